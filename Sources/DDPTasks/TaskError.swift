/// A task that cannot be built as configured: the message says what is wrong and what to do.
public struct TaskError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) { self.description = description }
}
