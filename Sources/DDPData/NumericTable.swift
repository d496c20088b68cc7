import DDPTensor

/// A matrix of numbers read from a file, `[rowCount, columnCount]` in row-major order, with
/// what is needed to split it into features and a label and to name the file's lines.
struct NumericTable {
    var values: [Float]
    var rowCount: Int
    var columnCount: Int
    /// The header row's names, when the file has one.
    var columnNames: [String]?
    /// The 1-based file line of the header, for messages about the header.
    var headerLine: Int?
    /// The 1-based file line of each row, for messages; `nil` for formats without lines.
    var rowLines: [Int]?
    /// The file the table came from.
    var source: String

    /// The 0-based index of `column`, or an error saying which columns there are.
    func resolve(_ column: LabelColumn) throws -> Int {
        switch column {
        case .last:
            return columnCount - 1
        case .named(let name):
            guard let names = columnNames else {
                throw DataError.malformed(source, "the label column '\(name)' is given by name, but the file has no header row; give its 0-based position instead")
            }
            guard let index = names.firstIndex(of: name) else {
                let listed = names.map { "'\($0.escapingControlCharacters)'" }.joined(separator: ", ")
                throw DataError.malformedLine(file: source, line: headerLine ?? 1, "no column named '\(name)'; the columns are \(listed)")
            }
            return index
        case .position(let position):
            let index = position < 0 ? columnCount + position : position
            guard (0..<columnCount).contains(index) else {
                throw DataError.malformed(source, "the label column position \(position) is out of range for \(columnCount) columns (use 0...\(columnCount - 1), or -\(columnCount)...-1 from the end)")
            }
            return index
        }
    }

    /// A data set whose label is column `labelIndex` and whose features are the other
    /// columns, in file order.
    func dataset(labelIndex: Int, kind: LabelKind) throws -> TensorDataset {
        guard columnCount >= 2 else {
            throw DataError.malformed(source, "needs at least two columns (features and a label), found \(columnCount)")
        }
        guard rowCount > 0 else { throw DataError.malformed(source, "has no data rows") }
        let featureCount = columnCount - 1
        let inputs = Tensor(uninitializedShape: [rowCount, featureCount])
        var labelValues = [Float](repeating: 0, count: rowCount)
        values.withUnsafeBufferPointer { table in
            let base = table.baseAddress!
            for row in 0..<rowCount {
                let rowStart = base + row * columnCount
                let destination = inputs.data + row * featureCount
                destination.update(from: rowStart, count: labelIndex)
                (destination + labelIndex).update(from: rowStart + labelIndex + 1, count: columnCount - labelIndex - 1)
                labelValues[row] = rowStart[labelIndex]
            }
        }
        let labels = try LabelDecoding.classLabels(labelValues, kind: kind) { row, value in
            if let lines = rowLines {
                return .malformedLine(file: source, line: lines[row], LabelDecoding.notAClassMessage(value))
            }
            return .malformed(source, "sample \(row): " + LabelDecoding.notAClassMessage(value))
        }
        if let labels { return TensorDataset(inputs: inputs, labels: labels) }
        return TensorDataset(inputs: inputs, targets: Tensor(labelValues, shape: [rowCount, 1]))
    }
}
