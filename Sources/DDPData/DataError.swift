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

extension String {
    /// The text with control characters written as escapes (`\n`, `\u{1B}`), so that text
    /// quoted from a corrupt file keeps a message on one line and the terminal unaffected.
    var escapingControlCharacters: String {
        unicodeScalars.reduce(into: "") { result, scalar in
            if scalar.properties.generalCategory == .control {
                result += scalar.escaped(asASCII: false)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
}
