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
        let temporary = folder + "/.\(url.lastPathComponent).tmp-\(getpid())"
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
