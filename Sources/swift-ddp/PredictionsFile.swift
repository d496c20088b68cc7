import DDPTasks
import Foundation

/// The CSV file of `swift-ddp predict`: a header, then one row per sample in the data's
/// order: its index, its predicted class (the most probable, the first of equals) and its
/// probability of each class, each the shortest decimal that reads back as the same Float.
enum PredictionsFile {
    /// Throws ``CommandError`` unless a file can be written at `path`: its folder must exist.
    static func checkDestination(_ path: String) throws {
        guard !path.isEmpty else { throw CommandError("--out needs a file path, such as predictions.csv") }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw CommandError("--out \(path) is a folder: give a file path, such as \(path)/predictions.csv")
        }
        let parent = (path as NSString).deletingLastPathComponent
        let folder = parent.isEmpty ? "." : parent
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw CommandError("--out \(path): the folder \(folder) does not exist; make it or choose another --out")
        }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw CommandError("--out \(path): the folder \(folder) is not writable; make it writable or choose another --out")
        }
    }

    /// The file's text for `rows` of class probabilities.
    static func text(of rows: [[Float]]) -> String {
        let classes = rows.first?.count ?? 0
        var text = (["index", "predicted_class"] + (0..<classes).map { "probability_\($0)" }).joined(separator: ",") + "\n"
        for (index, row) in rows.enumerated() {
            let predicted = row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) } ?? 0
            text += ([String(index), String(predicted)] + row.map { "\($0)" }).joined(separator: ",") + "\n"
        }
        return text
    }

    /// Writes `rows` to `path` atomically: a reader sees the old file or the whole new one.
    static func write(_ rows: [[Float]], to path: String) throws {
        try AtomicFile.write(Data(text(of: rows).utf8), to: path)
    }
}
