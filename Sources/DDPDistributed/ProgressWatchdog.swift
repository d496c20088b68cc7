import DDPTensor
import Foundation

/// Ends this rank when it makes no progress for too long, so that a rank waiting in a
/// collective that another rank never joins (one rank ran out of batches, or finished
/// early) does not wait forever.
///
/// The training loop calls ``progress()`` once per step; a background thread checks the
/// time since the last call. Past `timeout` it prints one line naming the rank and exits
/// with a non-zero status, and `mpirun` then ends the other ranks. It exits rather than
/// calling `MPI_Abort`, because MPI runs single-threaded and the main thread may be inside
/// an MPI call.
///
///     let watchdog = ProgressWatchdog(rank: comm.rank, timeout: 300)
///     for batch in loader { trainStep(batch); watchdog.progress() }
///     watchdog.stop()
public final class ProgressWatchdog: @unchecked Sendable {
    // Safe: the mutable state is read and written under `lock` only.
    /// This process's rank, for the message.
    public let rank: Int
    /// Seconds without progress after which the rank ends.
    public let timeout: Double
    private let lock = NSLock()
    private var lastProgress: Double
    private var stopped = false
    private var steps = 0

    /// Starts watching; the clock starts now.
    public init(rank: Int, timeout: Double) {
        precondition(timeout > 0, "the watchdog timeout must be positive, got \(timeout)")
        self.rank = rank
        self.timeout = timeout
        lastProgress = MonotonicClock.seconds()
        let thread = Thread { [weak self] in
            while let watchdog = self, watchdog.checkOnce() {
                usleep(useconds_t(min(watchdog.timeout / 10, 0.25) * 1_000_000))
            }
        }
        thread.start()
    }

    /// Records that this rank got through another step.
    public func progress() {
        lock.lock()
        lastProgress = MonotonicClock.seconds()
        steps += 1
        lock.unlock()
    }

    /// Stops watching (before a phase that may legitimately take longer, or at the end).
    public func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }

    /// Returns `false` once stopped; ends the process when the timeout has passed.
    private func checkOnce() -> Bool {
        lock.lock()
        let (last, stopped, steps) = (lastProgress, self.stopped, self.steps)
        lock.unlock()
        if stopped { return false }
        let idle = MonotonicClock.seconds() - last
        if idle > timeout {
            let line = "swift-ddp: rank \(rank): no progress for \(Int(idle.rounded())) s after \(steps) step(s); "
                + "another rank probably stopped early or is stuck, so a collective never completes\n"
            writeToStandardError(line)
            _exit(RankFailure.exitCode)
        }
        return true
    }
}
