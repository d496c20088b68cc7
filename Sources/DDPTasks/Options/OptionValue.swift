import Foundation

/// A value a run option takes, the same in a configuration file and on the command line:
/// `max-epochs: 20` in YAML is `--max-epochs=20` as an argument.
public protocol OptionValue: Codable, Sendable, DeclaredValue {
    /// What the value must be, for messages about a file: "a whole number".
    static var expectation: String { get }
    /// The value as the text after `--name=` (lists comma-separated, as the options take them).
    var argumentText: String { get }
    /// `true` when the value is or holds nan or an infinity, which no option takes: such a
    /// value is refused once for every option rather than checked option by option.
    var holdsNonFiniteNumber: Bool { get }
}

/// The type of an option's declared value: an ``OptionValue``, or an optional one whose
/// `nil` means the option was not given and has no default.
public protocol DeclaredValue {
    static var valueType: any OptionValue.Type { get }
    var givenValue: (any OptionValue)? { get }
}

extension OptionValue {
    public static var valueType: any OptionValue.Type { Self.self }
    public var givenValue: (any OptionValue)? { self }
    public var argumentText: String { "\(self)" }
    public var holdsNonFiniteNumber: Bool { false }
}

extension Optional: DeclaredValue where Wrapped: OptionValue {
    public static var valueType: any OptionValue.Type { Wrapped.self }
    public var givenValue: (any OptionValue)? { self }
}

extension Int: OptionValue {
    public static var expectation: String { "a whole number" }
}

extension UInt64: OptionValue {
    public static var expectation: String { "a whole number >= 0" }
}

extension Double: OptionValue {
    public static var expectation: String { "a number" }
    public var holdsNonFiniteNumber: Bool { !isFinite }
}

extension String: OptionValue {
    public static var expectation: String { "a word or path" }
    public var argumentText: String { self }
}

extension Bool: OptionValue {
    public static var expectation: String { "true or false" }
}
