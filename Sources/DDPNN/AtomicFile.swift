import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing files so that a crash never leaves a torn one.
public enum AtomicFile {
    /// Writes `data` to a temporary file beside `path`, flushes it to disk, renames it over
    /// `path` and flushes the folder. On any failure the temporary file is removed and an
    /// existing file at `path` is left untouched.
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/" + temporaryName(of: url.lastPathComponent, process: getpid())
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw AtomicFileError(path, "cannot be created (\(String(cString: strerror(errno))))") }
        var closed = false
        defer {
            if !closed { close(descriptor) }
        }
        do {
            try data.withUnsafeBytes { buffer in
                var written = 0
                while written < buffer.count {
                    let n = Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                    guard n > 0 else { throw AtomicFileError(path, "could not be written (\(String(cString: strerror(errno))))") }
                    written += n
                }
            }
            guard fsync(descriptor) == 0 else { throw AtomicFileError(path, "could not be flushed to disk") }
            close(descriptor)
            closed = true
            guard rename(temporary, path) == 0 else {
                throw AtomicFileError(path, "could not be put in place (\(String(cString: strerror(errno))))")
            }
        } catch {
            unlink(temporary)
            throw error
        }
        let directory = open(folder, O_RDONLY)
        if directory >= 0 { fsync(directory); close(directory) }
    }

    /// `.NAME.tmp-PID`: hidden, and named after the process that writes it.
    static func temporaryName(of name: String, process: pid_t) -> String { ".\(name).tmp-\(process)" }

    /// Removes the temporary files that writes into `folder` left behind when their process
    /// was killed: those of processes that no longer run (a running writer's file is its
    /// own). Returns the names removed; a folder that cannot be read removes nothing.
    @discardableResult
    public static func removeAbandonedTemporaries(in folder: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(".") {
            guard let marker = name.range(of: ".tmp-", options: .backwards),
                  let process = pid_t(name[marker.upperBound...]), process > 0 else { continue }
            // ESRCH: no such process. Any other answer (alive, or not ours to signal) keeps the file.
            guard process != getpid(), kill(process, 0) != 0, errno == ESRCH else { continue }
            if unlink(folder + "/" + name) == 0 { removed.append(name) }
        }
        return removed.sorted()
    }
}

/// Why a file could not be written.
public typealias AtomicFileError = FileError

/// Why a file could not be read or written: the path, then what is wrong with it.
public struct FileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    init(_ path: String, _ reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "\(path) \(reason)" }
}
