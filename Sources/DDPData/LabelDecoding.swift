import DDPTensor

/// Turns a column of label values into class labels or regression targets, by the rule of
/// ``LabelKind``, the same for every file format.
enum LabelDecoding {
    /// The class index `value` stands for, or `nil` when it is not a whole number `>= 0`.
    static func classIndex(_ value: Float) -> Int? {
        guard value >= 0, value.rounded(.towardZero) == value, value < 0x1p62 else { return nil }
        return Int(value)
    }

    /// Class labels for `values` (one per sample), or `nil` when they are regression targets.
    ///
    /// - Parameter badLabel: the error for sample `index` whose `value` cannot be a class,
    ///   thrown only when `kind` is `.classes`.
    static func classLabels(
        _ values: [Float], kind: LabelKind, badLabel: (_ index: Int, _ value: Float) -> DataError
    ) throws -> [Int]? {
        switch kind {
        case .regression:
            return nil
        case .classes:
            return try classLabels(values, badLabel: badLabel)
        case .automatic:
            return values.allSatisfy { classIndex($0) != nil } ? try classLabels(values, badLabel: badLabel) : nil
        }
    }

    /// Class labels for `values`; a value that is not a whole number `>= 0` is an error.
    static func classLabels(
        _ values: [Float], badLabel: (_ index: Int, _ value: Float) -> DataError
    ) throws -> [Int] {
        var labels = [Int](repeating: 0, count: values.count)
        for (index, value) in values.enumerated() {
            guard let label = classIndex(value) else { throw badLabel(index, value) }
            labels[index] = label
        }
        return labels
    }

    /// The message for a label that is not a class, shared by the file formats.
    static func notAClassMessage(_ value: Float) -> String {
        "label \(formatted(value)) is not a class: class labels are whole numbers >= 0 (use regression targets for other values)"
    }

    /// `3` rather than `3.0`, so messages show labels as they were written.
    static func formatted(_ value: Float) -> String {
        if let whole = Int(exactly: value) { return String(whole) }
        return String(value)
    }
}
