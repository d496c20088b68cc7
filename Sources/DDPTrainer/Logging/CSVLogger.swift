import DDPNN
import Foundation

/// Writes `metrics.csv` in the layout of PyTorch Lightning's `CSVLogger`, which pandas and
/// spreadsheets read directly: a header row, then one row per logging event.
///
/// The columns are `epoch`, `step`, then one per metric in order of first appearance; a metric
/// not logged in an event leaves its cell empty. When a metric first appears after rows were
/// written, the file is rewritten with the longer header, as Lightning does, so the file is
/// always a valid CSV. Each event is written as soon as it is recorded, so a crash loses at
/// most the event being written. Numbers are written so that they read back to the same
/// `Double` (`nan`, `inf` and `-inf` included, which Python's `float` and pandas accept).
///
/// A new logger starts a new file, replacing a `metrics.csv` left in the folder, unless it
/// continues a resumed run (``init(directory:continuingBefore:)``).
public final class CSVLogger: MetricsLogger {
    /// The file name inside the log folder.
    public static let fileName = "metrics.csv"

    /// The path of the CSV file.
    public let path: String
    /// The metric columns after `epoch` and `step`, in order of first appearance.
    public private(set) var metricNames: [String] = []

    private var columnOfMetric: [String: Int] = [:]
    private var file: AppendingFile?
    /// The length in bytes of the header line (with its newline) at the start of the file.
    private var headerByteCount = 0
    private var finished = false

    /// Creates `directory` when missing; the file appears with the first record.
    public init(directory: String) throws {
        try LogFolder.create(directory)
        path = LogFolder.path(Self.fileName, in: directory)
    }

    /// A logger for a run resumed at global step `step`: the rows of `metrics.csv` logged
    /// before that step are kept (those after it were logged by the interrupted run past its
    /// checkpoint, and are logged again), and new rows follow them. With `step` `nil`, or no
    /// readable file, it starts a new file as ``init(directory:)``.
    public convenience init(directory: String, continuingBefore step: Int?) throws {
        try self.init(directory: directory)
        guard let step, let data = FileManager.default.contents(atPath: path) else { return }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        guard let headerLine = lines.first else { return }
        let names = Self.cells(of: String(headerLine))
        guard names.count >= 2, names[0] == "epoch", names[1] == "step" else { return }
        metricNames = Array(names.dropFirst(2))
        for (index, name) in metricNames.enumerated() { columnOfMetric[name] = index }
        var text = header
        headerByteCount = text.utf8.count
        for line in lines.dropFirst() {
            let cells = line.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
            if cells.count >= 2, let rowStep = Int(cells[1]), rowStep < step { text += line + "\n" }
        }
        try replaceFile(with: text, why: "to continue the resumed run")
    }

    /// The cells of one CSV line, with RFC 4180 quotes removed.
    static func cells(of line: String) -> [String] {
        var cells: [String] = [], cell = "", quoted = false
        var characters = line.makeIterator()
        while let character = characters.next() {
            switch (character, quoted) {
            case ("\"", true):
                quoted = false
            case ("\"", false):
                if !cell.isEmpty { cell.append("\"") }   // a doubled quote inside a quoted cell
                quoted = true
            case (",", false):
                cells.append(cell)
                cell = ""
            default:
                cell.append(character)
            }
        }
        cells.append(cell)
        return cells
    }

    public func record(_ record: MetricsRecord) throws {
        guard !finished else {
            throw LoggingError(path: path, reason: "the CSV logger was already finished; create a new one to log again")
        }
        if let reserved = record.values.first(where: { $0.name == "epoch" || $0.name == "step" }) {
            throw LoggingError(
                path: path,
                reason: "a metric is named '\(reserved.name)', which is the name of a fixed column; "
                    + "log it under another name")
        }
        var newNames: [String] = []
        for metric in record.values where columnOfMetric[metric.name] == nil {
            columnOfMetric[metric.name] = metricNames.count
            metricNames.append(metric.name)
            newNames.append(metric.name)
        }
        if file == nil {
            try startFile()
        } else if !newNames.isEmpty {
            try rewriteWithLongerHeader(addedColumns: newNames.count)
        }
        try file!.write(row(for: record))
    }

    public func finish() throws {
        guard !finished else { return }
        finished = true
        try file?.close()
        file = nil
    }

    // MARK: - Layout

    private var header: String {
        (["epoch", "step"] + metricNames).map(Self.quotedIfNeeded).joined(separator: ",") + "\n"
    }

    private func row(for record: MetricsRecord) -> String {
        var cells = [String](repeating: "", count: 2 + metricNames.count)
        cells[0] = String(record.epoch)
        cells[1] = String(record.step)
        for metric in record.values {
            cells[2 + columnOfMetric[metric.name]!] = metric.value.description
        }
        return cells.joined(separator: ",") + "\n"
    }

    /// RFC 4180 quoting for names holding a comma, quote or line break; numbers never need it.
    static func quotedIfNeeded(_ cell: String) -> String {
        guard cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return cell }
        return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: - File

    private func startFile() throws {
        let header = self.header
        let file = try AppendingFile(path: path, truncating: true)
        try file.write(header)
        headerByteCount = header.utf8.count
        self.file = file
    }

    /// Replaces the file by one with the current header and every written row extended by
    /// empty cells for the added columns. Rows hold only numbers, so they are split on line
    /// breaks safely; the header is skipped by its known length, since a quoted metric name
    /// may hold a line break.
    private func rewriteWithLongerHeader(addedColumns: Int) throws {
        try file!.close()
        file = nil
        let written: Data
        do {
            written = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw LoggingError(
                path: path,
                reason: "cannot be read back to add columns (\(error.localizedDescription)); "
                    + "it must not be moved or removed while training")
        }
        let padding = String(repeating: ",", count: addedColumns)
        let rows = String(decoding: written.dropFirst(headerByteCount), as: UTF8.self)
        var text = header
        headerByteCount = text.utf8.count
        for line in rows.split(separator: "\n", omittingEmptySubsequences: true) {
            text += line + padding + "\n"
        }
        try replaceFile(with: text, why: "with new columns")
    }

    /// Replaces the file by `text` at once (never a torn file) and reopens it for appending.
    private func replaceFile(with text: String, why purpose: String) throws {
        do {
            try AtomicFile.write(Data(text.utf8), to: path)
        } catch {
            let reason = (error as? FileError)?.reason ?? "\(error)"
            throw LoggingError(path: path, reason: "could not be rewritten \(purpose): \(reason)")
        }
        file = try AppendingFile(path: path, truncating: false)
    }
}
