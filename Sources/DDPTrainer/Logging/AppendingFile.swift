import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written at its end with unbuffered `write` calls, so that every completed write is
/// in the operating system's hands: if the process dies, the log keeps all but an event that
/// was being written.
final class AppendingFile {
    let path: String
    private var descriptor: Int32

    /// Opens `path` for appending; `truncating` empties it first, otherwise it is created when
    /// missing and extended when present.
    init(path: String, truncating: Bool) throws {
        self.path = path
        let flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncating ? O_TRUNC : 0)
        descriptor = open(path, flags, 0o644)
        guard descriptor >= 0 else {
            throw LoggingError(
                path: path,
                reason: "cannot be opened for writing (\(String(cString: strerror(errno)))); "
                    + "check that the log folder is writable")
        }
    }

    deinit {
        if descriptor >= 0 { _ = systemClose(descriptor) }
    }

    /// Writes all of `bytes`, retrying short writes.
    func write(_ bytes: [UInt8]) throws {
        guard descriptor >= 0 else {
            throw LoggingError(path: path, reason: "was already closed; nothing more can be logged to it")
        }
        try bytes.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                let count = systemWrite(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else {
                    throw LoggingError(
                        path: path,
                        reason: "could not be written (\(String(cString: strerror(errno)))); "
                            + "check the free space and permissions of the log folder")
                }
                written += count
            }
        }
    }

    func write(_ text: String) throws {
        try write(Array(text.utf8))
    }

    /// Closes the file; later calls do nothing.
    func close() throws {
        guard descriptor >= 0 else { return }
        let result = systemClose(descriptor)
        descriptor = -1
        guard result == 0 else {
            throw LoggingError(path: path, reason: "could not be closed (\(String(cString: strerror(errno))))")
        }
    }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
private let systemClose = Glibc.close
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
private let systemClose = Darwin.close
#endif
