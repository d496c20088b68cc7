extension TaskError {
    /// Throws a ``TaskError`` with `message` unless `condition` holds.
    static func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw TaskError(message()) }
    }
}
