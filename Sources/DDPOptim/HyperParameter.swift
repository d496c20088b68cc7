/// The value of one hyper-parameter in a parameter group: what a Python float, bool,
/// tuple of floats, string or `None` (`.null`) is in a `torch.optim` param group.
///
/// Literals make groups read like PyTorch's dictionaries:
///
///     ParamGroup([w], options: ["lr": 0.01, "betas": [0.8, 0.99], "amsgrad": true])
///
/// It encodes to plain JSON (number, bool, array, string, null), so group options can go
/// into a checkpoint's metadata unchanged.
public enum HyperParameter: Equatable, Sendable {
    case number(Double)
    case flag(Bool)
    case numbers([Double])
    case text(String)
    /// Python's `None` (JSON `null`), e.g. LBFGS's `line_search_fn` when there is no line
    /// search; not `none`, which would read as `Optional.none` in `HyperParameter?`.
    case null

    /// The number, or `nil` for any other kind of value.
    public var doubleValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The flag, or `nil` for any other kind of value.
    public var boolValue: Bool? {
        if case .flag(let value) = self { return value }
        return nil
    }

    /// The numbers, or `nil` for any other kind of value.
    public var doublesValue: [Double]? {
        if case .numbers(let values) = self { return values }
        return nil
    }

    /// The string, or `nil` for any other kind of value.
    public var stringValue: String? {
        if case .text(let value) = self { return value }
        return nil
    }
}

extension HyperParameter: ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral
{
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(booleanLiteral value: Bool) { self = .flag(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(arrayLiteral elements: Double...) { self = .numbers(elements) }
}

extension HyperParameter: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .flag(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let numbers = try? container.decode([Double].self) {
            self = .numbers(numbers)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let value): try container.encode(value)
        case .flag(let value): try container.encode(value)
        case .numbers(let values): try container.encode(values)
        case .text(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }
}
