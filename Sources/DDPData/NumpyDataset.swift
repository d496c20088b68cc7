import DDPTensor

/// Data sets from NumPy `.npy` files, in one of two arrangements:
///
/// - a features file and a labels file: features `[samples, ...]` (a 1-D array is one
///   feature per sample) and labels `[samples]` or `[samples, 1]`, which become class
///   labels or regression targets by the rule of ``LabelKind``; labels `[samples, k]` with
///   `k > 1` are regression targets of width `k`;
/// - one 2-D array `[samples, columns]` whose label is one column (the last unless told
///   otherwise) and whose features are the other columns, as in a CSV file.
public enum NumpyDataset {
    /// The data set in `features`, labelled by the separate file `labels` when given, or
    /// else by `labelColumn` of the single 2-D array in `features`.
    public static func load(
        features: String, labels: String? = nil, labelColumn: LabelColumn = .last,
        labelKind: LabelKind = .automatic
    ) throws -> TensorDataset {
        let featureArray = try NumpyArray.load(path: features)
        guard let labels else {
            guard featureArray.shape.count == 2 else {
                throw DataError.malformed(features, "holds an array of shape \(NumpyArray.describe(featureArray.shape)); without a labels file it must be 2-D [samples, features + label]")
            }
            let table = NumericTable(values: featureArray.values, rowCount: featureArray.shape[0],
                                     columnCount: featureArray.shape[1], columnNames: nil, headerLine: nil,
                                     rowLines: nil, source: features)
            return try table.dataset(labelIndex: try table.resolve(labelColumn), kind: labelKind)
        }
        guard labelColumn == .last else {
            throw DataError.invalidArgument("a label column applies to a single array; \(features) has its labels in \(labels)")
        }
        let labelArray = try NumpyArray.load(path: labels)
        return try pair(featureArray, source: features, labelArray, labelSource: labels, kind: labelKind)
    }

    /// Features and separate labels as one data set, checking that they agree.
    static func pair(
        _ features: NumpyArray, source: String, _ labels: NumpyArray, labelSource: String, kind: LabelKind
    ) throws -> TensorDataset {
        guard let sampleCount = features.shape.first else {
            throw DataError.malformed(source, "holds a single number; features need a first dimension of samples")
        }
        guard sampleCount > 0 else { throw DataError.malformed(source, "has no samples") }
        guard labels.shape.first == sampleCount else {
            throw DataError.malformed(labelSource, "has \(labels.shape.first.map(String.init) ?? "no") labels (shape \(NumpyArray.describe(labels.shape))), but \(source) has \(sampleCount) samples")
        }
        guard !features.values.isEmpty else {
            throw DataError.malformed(source, "holds samples with no features (shape \(NumpyArray.describe(features.shape)))")
        }
        let inputShape = features.shape.count == 1 ? [sampleCount, 1] : features.shape
        let inputs = Tensor(features.values, shape: inputShape)
        let width = labels.shape.dropFirst().reduce(1, *)
        guard labels.shape.count <= 2, width >= 1 else {
            throw DataError.malformed(labelSource, "holds an array of shape \(NumpyArray.describe(labels.shape)); labels must be [samples] or [samples, targets]")
        }
        if width == 1 {
            let classes = try LabelDecoding.classLabels(labels.values, kind: kind) { sample, value in
                .malformed(labelSource, "sample \(sample): " + LabelDecoding.notAClassMessage(value))
            }
            if let classes { return TensorDataset(inputs: inputs, labels: classes) }
        } else if kind == .classes {
            throw DataError.malformed(labelSource, "holds \(width) values per sample (shape \(NumpyArray.describe(labels.shape))); class labels need one")
        }
        return TensorDataset(inputs: inputs, targets: Tensor(labels.values, shape: [sampleCount, width]))
    }
}
