/// A mistake in how a trainer or a training module is set up or used: one line saying
/// what is wrong and what to do.
public struct TrainerError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) { self.description = description }

    static func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw TrainerError(message()) }
    }
}
