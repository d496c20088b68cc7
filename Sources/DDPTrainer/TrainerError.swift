import DDPDistributed

/// A mistake in how a trainer or a training module is set up or used: one line saying
/// what is wrong and what to do. Every rank finds it alike (same module, same options), so
/// under MPI rank 0 alone prints it.
public struct TrainerError: CollectiveError, Equatable {
    public let description: String

    public init(_ description: String) { self.description = description }

    static func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw TrainerError(message()) }
    }
}
