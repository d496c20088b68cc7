import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension RunConfiguration {
    /// Checks, before any rank starts work, that the log and checkpoint folders exist as
    /// writable folders or can be made, so that a bad path is not found at the first save.
    func checkOutputFolders() throws {
        let logDir = settings.trainer.logDir
        try OutputFolder.check(logDir, role: "log folder", option: "--log-dir")
        try OutputFolder.check(resolvedCheckpointDir, role: "checkpoint folder",
                               option: settings.trainer.checkpointDir == nil ? "--log-dir or --checkpoint-dir" : "--checkpoint-dir")
    }
}

/// A folder a run writes into.
enum OutputFolder {
    /// Throws ``CommandError`` unless `path` is a writable folder, or a folder that can be made
    /// inside the nearest existing one.
    static func check(_ path: String, role: String, option: String) throws {
        var candidate = path
        while true {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isFolder) {
                let what = candidate == path ? "the \(role) \(path)" : "the \(role) \(path) cannot be made: \(candidate)"
                guard isFolder.boolValue else { throw CommandError("\(what) is a file, not a folder; choose another \(option)") }
                guard access(candidate, W_OK | X_OK) == 0 else {
                    throw CommandError("\(what) is not writable; make it writable or choose another \(option)")
                }
                return
            }
            let parent = (candidate as NSString).deletingLastPathComponent
            // A relative path with no existing part lies in the working folder.
            candidate = parent.isEmpty ? "." : parent
        }
    }
}
