import DDPTensor
import Foundation

/// Reads comma-separated numeric tables (`.csv`, or gzip-compressed `.csv.gz`) as data sets.
///
/// The first row is a header when any of its non-empty fields is not a number; every other
/// row must hold one finite number per column. One column is the label (the last, unless
/// told otherwise) and the others are the features, in file order; ``LabelKind`` says how
/// labels become classes or regression targets.
///
/// Fields may be quoted as in RFC 4180 (`"1,5"`, `"say ""hi"""`, line breaks inside quotes);
/// lines may end in `\n`, `\r\n` or `\r`; spaces around fields, blank lines and a UTF-8
/// byte order mark are ignored. Gzip compression is recognised by the file's first bytes.
public enum CSVFile {
    /// The data set in the file at `path`: features `[rows, columns - 1]` with class labels,
    /// or with regression targets `[rows, 1]`.
    ///
    /// Errors name the file and, for problems on one line, its 1-based line number.
    public static func load(
        path: String, labelColumn: LabelColumn = .last, labelKind: LabelKind = .automatic
    ) throws -> TensorDataset {
        let table = try readTable(path: path)
        return try table.dataset(labelIndex: try table.resolve(labelColumn), kind: labelKind)
    }

    /// The numbers in the file at `path`, with the header's names when there is one.
    static func readTable(path: String) throws -> NumericTable {
        let data = try DataFileBytes.read(path)
        return try data.withUnsafeBytes { raw in
            try parse(raw.bindMemory(to: UInt8.self), source: path)
        }
    }

    /// Parses CSV `bytes`; `source` names the file in errors.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, source: String) throws -> NumericTable {
        var scanner = CSVScanner(bytes: bytes, source: source)
        var fields: [CSVScanner.Field] = []
        fields.reserveCapacity(64)
        guard let firstLine = try scanner.nextRow(into: &fields) else {
            throw DataError.malformed(source, "the file is empty; expected rows of comma-separated numbers")
        }
        let columnCount = fields.count
        var table = NumericTable(values: [], rowCount: 0, columnCount: columnCount, columnNames: nil,
                                 headerLine: nil, rowLines: [], source: source)
        let isHeader = fields.contains { field in
            field.end > field.start
                && DecimalNumber.parse(bytes.baseAddress! + field.start, count: field.end - field.start) == nil
        }
        if isHeader {
            table.columnNames = fields.map { scanner.text(of: $0) }
            table.headerLine = firstLine
        } else {
            try append(fields, line: firstLine, to: &table, scanner: scanner)
        }
        while let line = try scanner.nextRow(into: &fields) {
            guard fields.count == columnCount else {
                let reference = isHeader ? "the header has" : "line \(firstLine) has"
                throw DataError.malformedLine(file: source, line: line,
                                              "line \(line) has \(fields.count) fields, \(reference) \(columnCount)")
            }
            try append(fields, line: line, to: &table, scanner: scanner)
        }
        guard table.rowCount > 0 else { throw DataError.malformed(source, "has a header row but no data rows") }
        return table
    }

    /// Parses the numbers of one row onto the end of `table`.
    private static func append(
        _ fields: [CSVScanner.Field], line: Int, to table: inout NumericTable, scanner: CSVScanner
    ) throws {
        let base = scanner.bytes.baseAddress!
        if table.rowCount == 0, let first = fields.first, let last = fields.last {
            // A row count guessed from the first data row's length saves re-growing the arrays.
            let estimatedRows = scanner.bytes.count / max(1, last.end - first.start + 1) + 1
            table.values.reserveCapacity(estimatedRows * fields.count)
            table.rowLines?.reserveCapacity(estimatedRows)
        }
        for (column, field) in fields.enumerated() {
            guard let value = DecimalNumber.parse(base + field.start, count: field.end - field.start), value.isFinite else {
                throw notANumber(field, column: column, line: line, table: table, scanner: scanner)
            }
            table.values.append(value)
        }
        table.rowLines?.append(line)
        table.rowCount += 1
    }

    /// The error for a field that is not a usable number.
    private static func notANumber(
        _ field: CSVScanner.Field, column: Int, line: Int, table: NumericTable, scanner: CSVScanner
    ) -> DataError {
        let place = table.columnNames.map { "column '\($0[column].escapingControlCharacters)'" } ?? "field \(column + 1)"
        let text = scanner.text(of: field).escapingControlCharacters
        let why: String
        if text.isEmpty {
            why = "an empty field in \(place) is not a number; fill in the missing value or drop the row"
        } else if DecimalNumber.parse(scanner.bytes.baseAddress! + field.start, count: field.end - field.start) != nil {
            why = "'\(text)' in \(place) is not a finite number; replace it or drop the row"
        } else {
            why = "'\(text)' in \(place) is not a number"
        }
        return .malformedLine(file: table.source, line: line, why)
    }
}
