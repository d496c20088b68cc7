/// A task's options do not make sense; the message says which and how to fix it.
public struct TaskError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) { self.description = description }

    static func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw TaskError(message()) }
    }
}
