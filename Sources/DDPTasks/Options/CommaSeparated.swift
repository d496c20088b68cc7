import Foundation

/// A list option's value: comma-separated on the command line (`--hidden 256,256`), a YAML
/// sequence in a file (`hidden: [256, 256]`).
///
/// Text that is not such a list is kept rather than refused while parsing, so that
/// the command's checks report it naming the option: `--hidden takes whole numbers
/// separated by commas like 256,256, got '1,x'`.
public struct CommaSeparated<Element: OptionValue & LosslessStringConvertible>: OptionValue {
    /// The values (empty when the text given was unreadable).
    public let elements: [Element]
    /// Text given that is not a list of `Element`, with the form expected.
    public let unreadable: (text: String, expected: String)?

    public static var expectation: String {
        Element.self == Int.self ? "a list of whole numbers like [256, 256]" : "a list of two numbers like [0.9, 0.999]"
    }

    /// Reads a list from its command-line text; `example` shows the form in messages.
    public static func reading(like example: String) -> @Sendable (String) -> CommaSeparated {
        { text in
            let values = text.split(separator: ",", omittingEmptySubsequences: false)
                .map { Element($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else {
                let kind = Element.self == Int.self ? "whole numbers" : "numbers"
                return CommaSeparated(elements: [], unreadable: (text, "\(kind) separated by commas like \(example)"))
            }
            return CommaSeparated(elements: values.map { $0! }, unreadable: nil)
        }
    }

    private init(elements: [Element], unreadable: (text: String, expected: String)?) {
        self.elements = elements
        self.unreadable = unreadable
    }

    public init(from decoder: any Decoder) throws {
        self.init(elements: try [Element](from: decoder), unreadable: nil)
    }

    public func encode(to encoder: any Encoder) throws {
        try elements.encode(to: encoder)
    }

    public var argumentText: String { elements.map(\.argumentText).joined(separator: ",") }
    public var holdsNonFiniteNumber: Bool { elements.contains { $0.holdsNonFiniteNumber } }
}

/// A list option's value whose text may have been unreadable; see ``CommaSeparated``.
public protocol CommaSeparatedValue {
    var unreadable: (text: String, expected: String)? { get }
}

extension CommaSeparated: CommaSeparatedValue {}
