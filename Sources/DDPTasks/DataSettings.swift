import Foundation

/// Where a task's samples come from and how they are split and ordered.
public struct DataSettings: Equatable, Sendable {
    /// A data file (CSV, `.npy` or IDX; see `DataSource`), or `nil` for the task's built-in data.
    public var path: String?
    /// The label column of a CSV or single-array NumPy file: a header name or a 0-based
    /// position (negative from the end); `nil` for the last column.
    public var labelColumn: String?
    /// The share of samples held out for validation, fixed by `seed` alone (not by the
    /// number of ranks); 0 for no validation.
    public var validationFraction: Double
    /// Shuffle the training samples every epoch.
    public var shuffle: Bool
    /// Seeds the validation split and the shuffling.
    public var seed: UInt64

    public init(path: String? = nil, labelColumn: String? = nil, validationFraction: Double = 0.1,
                shuffle: Bool = true, seed: UInt64 = 0) {
        self.path = path
        self.labelColumn = labelColumn
        self.validationFraction = validationFraction
        self.shuffle = shuffle
        self.seed = seed
    }
}

/// A task's samples, split into training and validation parts.
public struct TaskData {
    public var training: any Dataset
    public var validation: (any Dataset)?
    /// The shape of one sample's inputs (`[64]` for flat digits, `[1, 8, 8]` for images).
    public var sampleShape: [Int]
    /// The number of classes of a classification set, 0 for regression targets.
    public var classCount: Int
    /// What the samples are, for messages: a file path or the built-in set's name.
    public var source: String

    /// Loads `settings.path` (or `builtin` when there is none) and splits it.
    ///
    /// - Parameter labels: how labels must be: `.classes` checks them against `classCount`
    ///   when given (a file whose labels do not fit is an error naming it), `.regression`
    ///   turns whole-number labels into targets.
    public static func load(
        _ settings: DataSettings, builtin: (name: String, load: () throws -> TensorDataset),
        labels: LabelKind, classCount fixedClassCount: Int? = nil
    ) throws -> TaskData {
        if settings.path?.isEmpty == true {
            throw TaskError("--data needs a file path (CSV, .npy or IDX)")
        }
        if settings.path == nil, let column = settings.labelColumn {
            throw TaskError("--label-column '\(column)' applies to a --data file, not to \(builtin.name)")
        }
        var dataset = try settings.path.map { try DataSource.load(path: $0, labelColumn: settings.labelColumn) }
            ?? builtin.load()
        let source = settings.path ?? builtin.name
        var classCount = 0
        switch labels {
        case .classes, .automatic:
            if let fixedClassCount, fixedClassCount < 1 {
                throw TaskError("--classes must be at least 1, got \(fixedClassCount)")
            }
            // A file of real-valued targets has no classes; validation says so with its name.
            classCount = fixedClassCount ?? max(dataset.classCount, dataset.targets == nil ? 0 : 1)
            try dataset.validateLabels(classCount: classCount, source: source)
        case .regression:
            if dataset.targets == nil {
                let values = dataset.labels.map { Float($0) }
                dataset = TensorDataset(inputs: dataset.inputs, targets: Tensor(values, shape: [values.count, 1]))
            }
        }
        guard (0..<1).contains(settings.validationFraction) else {
            throw TaskError("--val-split must be a fraction in [0, 1) (0: no validation), got \(settings.validationFraction)")
        }
        let sampleShape = Array(dataset.inputs.shape.dropFirst())
        guard settings.validationFraction > 0 else {
            return TaskData(training: dataset, validation: nil, sampleShape: sampleShape, classCount: classCount, source: source)
        }
        let (training, validation) = try randomSplit(dataset, validationFraction: settings.validationFraction, seed: settings.seed)
        return TaskData(training: training, validation: validation.count > 0 ? validation : nil,
                        sampleShape: sampleShape, classCount: classCount, source: source)
    }

    /// The number of input features of one sample.
    public var featureCount: Int { sampleShape.reduce(1, *) }
}
