/// The random stream of one rank of one training run: the generator that dropout masks and
/// other per-rank noise draw from (PyTorch's default generator, owned by a run instead of
/// the process).
///
/// A `Trainer` owns one per rank and makes it ``current`` while it runs the module, so runs
/// side by side in one process (ranks simulated as threads, tests in parallel) never draw
/// from each other's stream, and a checkpoint saves exactly this rank's draws. Outside a
/// trainer, bind one yourself:
///
///     let stream = RandomStream(seed: 42)
///     let output = stream.makeCurrent { model(input) }   // dropout draws from `stream`
public final class RandomStream: @unchecked Sendable {
    // Safe to share as a task-local value: a stream is drawn from only by the work it is
    // bound to, which runs on one thread at a time.

    /// The generator; drawing advances it.
    public var generator: RandomGenerator

    public init(_ generator: RandomGenerator) { self.generator = generator }

    /// A stream whose draws depend only on `seed`.
    public convenience init(seed: UInt64) { self.init(RandomGenerator(seed: seed)) }

    /// The stream bound to the work in progress on this task or thread, if any.
    @TaskLocal public static var current: RandomStream?

    /// Runs `body` with this stream as ``current``.
    public func makeCurrent<Result>(_ body: () throws -> Result) rethrows -> Result {
        try RandomStream.$current.withValue(self, operation: body)
    }
}
