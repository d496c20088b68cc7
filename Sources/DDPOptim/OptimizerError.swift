/// A mistake in how an optimizer, scheduler or clipping call was set up: a bad
/// hyper-parameter, a parameter listed twice, a state dict that does not fit.
///
/// The message is one line that says what is wrong and what to do.
public struct OptimizerError: Error, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

extension OptimizerError {
    /// Checks `value` against a range, as `torch.optim` constructors do.
    static func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw OptimizerError(message()) }
    }
}
