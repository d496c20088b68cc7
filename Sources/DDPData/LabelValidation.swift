extension TensorDataset {
    /// Checks that this data set suits a classifier with `classCount` outputs, so that a
    /// label the model cannot predict is reported with its file before training starts
    /// rather than as a crash or a silently wrong loss.
    ///
    /// - Parameter source: the file the data came from, named in the error.
    public func validateLabels(classCount: Int, source: String) throws {
        guard classCount > 0 else {
            throw DataError.invalidArgument("a classifier needs at least one class, got \(classCount)")
        }
        guard targets == nil else {
            throw DataError.malformed(source, "has regression targets (its label values are not all whole numbers >= 0), but the model predicts \(classCount) classes; fix the label column or train a regression model")
        }
        let outside = labels.indices.filter { labels[$0] < 0 || labels[$0] >= classCount }
        guard let first = outside.first else { return }
        let others = outside.count > 1
            ? " (\(outside.count) samples in all; labels range over \(labels.min() ?? 0)...\(labels.max() ?? 0))" : ""
        throw DataError.malformed(source, "sample \(first) has label \(labels[first]), outside the model's \(classCount) classes 0...\(classCount - 1)\(others); check the label column or the model's class count")
    }
}
