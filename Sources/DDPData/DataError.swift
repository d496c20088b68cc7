/// Why data could not be read: always names the file (and the line, where there is one).
public enum DataError: Error, CustomStringConvertible, Equatable {
    case missingFile(String)
    case malformed(String, String)
    case malformedLine(file: String, line: Int, String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .missingFile(let path): return "\(path): no such file"
        case .malformed(let path, let why): return "\(path): \(why)"
        case .malformedLine(let path, let line, let why): return "\(path):\(line): \(why)"
        case .invalidArgument(let why): return why
        }
    }
}
