import ArgumentParser
import Foundation

/// List options on the command line: comma-separated (`--hidden 256,256`); in a file they
/// are YAML sequences (`hidden: [256, 256]`).
enum CommaSeparated {
    /// Reads whole numbers; `example` shows the form in the message for anything else.
    static func integers(like example: String) -> @Sendable (String) throws -> [Int] {
        { text in try values(text, Int.init, expected: "whole numbers separated by commas like \(example)") }
    }

    /// Reads numbers; `example` shows the form in the message for anything else.
    static func numbers(like example: String) -> @Sendable (String) throws -> [Double] {
        { text in try values(text, Double.init, expected: "numbers separated by commas like \(example)") }
    }

    private static func values<Value>(_ text: String, _ read: (String) -> Value?, expected: String) throws -> [Value] {
        let values = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { read($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else { throw ValidationError("takes \(expected)") }
        return values.map { $0! }
    }
}
