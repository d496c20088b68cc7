import ArgumentParser
import SwiftDDP

/// A share of an epoch's batches as Lightning's `limit_train_batches` takes it: a fraction up
/// to 1.0 (`0.25`: a quarter of the batches) or a whole number of batches above 1 (`10`),
/// as `--val-check-interval` reads numbers.
public struct BatchAmount: OptionValue, ExpressibleByArgument, Equatable {
    public let limit: BatchLimit

    public static var expectation: String { "a fraction up to 1.0 or a whole number of batches" }

    init?(_ number: Double) {
        if (0...1).contains(number) {
            limit = .fraction(number)
        } else if number > 1, number == number.rounded(), number < Double(Int.max) {
            limit = .count(Int(number))
        } else {
            return nil
        }
    }

    public init?(argument: String) {
        guard let number = Double(argument) else { return nil }
        self.init(number)
    }

    public init(from decoder: any Decoder) throws {
        let number = try Double(from: decoder)
        guard let amount = BatchAmount(number) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: Self.expectation))
        }
        self = amount
    }

    public func encode(to encoder: any Encoder) throws {
        switch limit {
        case .all: try 1.0.encode(to: encoder)
        case .fraction(let fraction): try fraction.encode(to: encoder)
        case .count(let count): try count.encode(to: encoder)
        }
    }

    public var argumentText: String {
        switch limit {
        case .all: return "1.0"
        case .fraction(let fraction): return "\(fraction)"
        case .count(let count): return "\(count)"
        }
    }
}
