import ArgumentParser
import Foundation

/// Where a task's samples come from and how they are split and ordered.
public struct DataSettings: ParsableArguments, Sendable {
    @Option(help: "A data set by name (digits, fashion-mnist) or a data file: CSV (header recognised, label last), .npy or IDX; for the gpt task a UTF-8 text file (default: the task's built-in data; the classifier's is fashion-mnist, gpt's the fortunes).") public var data: String?
    @Option(help: "The CSV label column, by header name or 0-based index (default: the last).") public var labelColumn: String?
    @Option(help: "Share of samples held out for validation, fixed by the seed (0: none).") public var valSplit = 0.1
    @Flag(inversion: .prefixedNo, help: "Shuffle the training data every epoch.") public var shuffle = true

    public init() {}

    /// The data file, or `nil` for the task's built-in data.
    public var path: String? { data }
}

/// The data sets `--data` knows by name.
enum NamedDataSet: String, CustomStringConvertible {
    case digits
    case fashionMNIST = "fashion-mnist"

    var description: String { self == .digits ? "the built-in digits" : "Fashion-MNIST" }

    func load() throws -> TensorDataset {
        switch self {
        case .digits: try Digits.load()
        case .fashionMNIST: try FashionMNIST.load(.training)
        }
    }

    /// Whether the set has a separate test part, never trained or validated on.
    var hasTestPart: Bool { self == .fashionMNIST }

    /// The separate test part, in the layout of ``load()``.
    func loadTestPart() throws -> TensorDataset? {
        hasTestPart ? try FashionMNIST.load(.test) : nil
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
    /// The named set the samples come from, whose test part ``testSet()`` reads.
    var namedSet: NamedDataSet?
    /// Every sample as loaded, before the validation split, in the data's order (`nil` for
    /// data a task builds otherwise).
    public var loaded: TensorDataset?

    /// Loads `settings.path` (or `builtin` when there is none) and splits it, the validation
    /// part drawn by `seed` alone (not by the number of ranks).
    ///
    /// - Parameter labels: how labels must be: `.classes` checks them against `classCount`
    ///   when given (a file whose labels do not fit is an error naming it), `.regression`
    ///   turns whole-number labels into targets.
    public static func load(
        _ settings: DataSettings, seed: UInt64, builtin: (name: String, load: () throws -> TensorDataset),
        labels: LabelKind, classCount fixedClassCount: Int? = nil
    ) throws -> TaskData {
        if settings.path?.isEmpty == true {
            throw TaskError("--data needs a file path (CSV, .npy or IDX)")
        }
        if settings.path == nil, let column = settings.labelColumn {
            throw TaskError("--label-column '\(column)' applies to a --data file, not to \(builtin.name)")
        }
        let named = settings.path.flatMap(NamedDataSet.init(rawValue:))
        if let named, let column = settings.labelColumn {
            throw TaskError("--label-column '\(column)' applies to a --data file, not to \(named.description)")
        }
        var dataset: TensorDataset
        if let named {
            dataset = try named.load()
        } else if let path = settings.path {
            dataset = try DataSource.load(path: path, labelColumn: settings.labelColumn)
        } else {
            dataset = try builtin.load()
        }
        let source = named?.description ?? settings.path ?? builtin.name
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
        guard (0..<1).contains(settings.valSplit) else {
            throw TaskError("--val-split must be a fraction in [0, 1) (0: no validation), got \(settings.valSplit)")
        }
        let sampleShape = Array(dataset.inputs.shape.dropFirst())
        guard settings.valSplit > 0 else {
            return TaskData(training: dataset, validation: nil, sampleShape: sampleShape, classCount: classCount,
                            source: source, namedSet: named, loaded: dataset)
        }
        let (training, validation) = try randomSplit(dataset, validationFraction: settings.valSplit, seed: seed)
        return TaskData(training: training, validation: validation.count > 0 ? validation : nil,
                        sampleShape: sampleShape, classCount: classCount, source: source, namedSet: named, loaded: dataset)
    }

    /// Whether the samples come with a separate test set (Fashion-MNIST's 10,000 test images).
    public var hasTestSet: Bool { namedSet?.hasTestPart ?? false }

    /// The separate test set, read when asked for, or `nil` when the data has none (the
    /// digits, data files): the validation split is no test set, since it may have chosen
    /// the checkpoint.
    public func testSet() throws -> TensorDataset? {
        guard let test = try namedSet?.loadTestPart() else { return nil }
        if classCount > 0 { try test.validateLabels(classCount: classCount, source: source + " (test images)") }
        return test
    }

    /// The number of input features of one sample.
    public var featureCount: Int { sampleShape.reduce(1, *) }
}
