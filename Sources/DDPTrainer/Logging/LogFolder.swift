import Foundation

/// The folder the logging writers put their files in.
enum LogFolder {
    /// Creates `path` and any missing parents, so that a run can name a fresh log folder.
    static func create(_ path: String) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            guard isFolder.boolValue else {
                throw LoggingError(path: path, reason: "is a file, not a folder; choose another log folder")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw LoggingError(
                path: path,
                reason: "the log folder cannot be created (\(error.localizedDescription)); "
                    + "check that its parent is writable or choose another log folder")
        }
    }

    /// `file` inside `folder`.
    static func path(_ file: String, in folder: String) -> String {
        folder.hasSuffix("/") ? folder + file : folder + "/" + file
    }
}
