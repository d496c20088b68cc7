/// Why a log file could not be written: the file, then what went wrong and what to do.
public struct LoggingError: Error, CustomStringConvertible, Equatable {
    /// The file or folder concerned.
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
