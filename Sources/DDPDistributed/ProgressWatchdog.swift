import DDPTensor
import Foundation

/// Ends this rank when it makes no progress for too long, so that a rank waiting in a
/// collective that another rank never joins (a rank stopped, stuck, or finished early) does
/// not wait forever.
///
/// The training loop calls ``progress(step:)`` once per step; a background thread checks the
/// time since the last call, and keeps this rank's heartbeat fresh when there are
/// ``RankHeartbeats``. Past `timeout` it prints one line naming the ranks whose heartbeat
/// went stale or fell behind, and exits with a non-zero status; `mpirun` then ends the other
/// ranks. It exits rather than calling `MPI_Abort`, because MPI runs single-threaded and the
/// main thread may be inside an MPI call.
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
    /// Where the ranks of the job tell each other they are alive (`nil`: the message names none).
    public let heartbeats: RankHeartbeats?
    private let lock = NSLock()
    private var lastProgress: Double
    private var stopped = false
    private var steps = 0
    private let interval: Double
    private var lastCheck: Double

    /// Starts watching; the clock starts now.
    public init(rank: Int, timeout: Double, heartbeats: RankHeartbeats? = nil) {
        precondition(timeout > 0, "the watchdog timeout must be positive, got \(timeout)")
        self.rank = rank
        self.timeout = timeout
        self.heartbeats = heartbeats
        lastProgress = MonotonicClock.seconds()
        lastCheck = lastProgress
        heartbeats?.beat(step: 0)
        interval = min(timeout / 10, 0.25)
        let thread = Thread { [weak self] in
            while let watchdog = self, watchdog.checkOnce() {
                usleep(useconds_t(watchdog.interval * 1_000_000))
            }
        }
        thread.start()
    }

    /// Records that this rank got through another step (`step`: its number, else one more).
    public func progress(step: Int? = nil) {
        lock.lock()
        lastProgress = MonotonicClock.seconds()
        steps = step ?? steps + 1
        let current = steps
        lock.unlock()
        // Also beaten here: the thread's beat alone lags the step by up to its interval.
        heartbeats?.beat(step: current)
    }

    /// Stops watching (before a phase that may legitimately take longer, or at the end) and
    /// removes this rank's heartbeat.
    public func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        heartbeats?.remove()
    }

    /// Returns `false` once stopped; ends the process when the timeout has passed.
    private func checkOnce() -> Bool {
        let now = MonotonicClock.seconds()
        lock.lock()
        // A long gap between checks means this process itself was suspended (SIGSTOP, a
        // sleeping machine): that time is not the other ranks' fault, so it does not count.
        let gap = now - lastCheck
        if gap > max(1, 4 * interval) { lastProgress += gap }
        lastCheck = now
        let (last, stopped, steps) = (lastProgress, self.stopped, self.steps)
        lock.unlock()
        if stopped { return false }
        heartbeats?.beat(step: steps)
        let idle = now - last
        if idle > timeout { endHungJob(idle: idle, step: steps) }
        return true
    }

    /// Prints why this rank gives up and ends it. The lowest waiting rank speaks at once; the
    /// others give it a moment, so a job usually ends with one line rather than one per rank.
    private func endHungJob(idle: Double, step: Int) -> Never {
        let waited = "no progress for \(Int(idle.rounded())) s after \(step) step(s)"
        if let heartbeats {
            // Another rank has explained the job's end already (it marks that, then removes the
            // job's folder): one line for the job is enough.
            let reported = { PeerDeathReport.isReported || !FileManager.default.fileExists(atPath: heartbeats.directory) }
            if reported() { _exit(RankFailure.exitCode) }
            let missing = MissingRanks(beats: heartbeats.beats(), waitingRank: rank, step: step,
                                       staleAfter: max(1, min(timeout / 2, 10)))
            if let lowest = missing.lowestWaitingRank, lowest < rank {
                sleep(2)
                if reported() { _exit(RankFailure.exitCode) }
            }
            PeerDeathReport.noteReported()
            writeToStandardError("swift-ddp: rank \(rank): \(waited): \(missing.description)\n")
            // The job ends now: no rank will read the heartbeats again.
            heartbeats.removeJobFolder()
        } else {
            PeerDeathReport.noteReported()
            writeToStandardError("swift-ddp: rank \(rank): \(waited); "
                + "another rank probably stopped early or is stuck, so a collective never completes\n")
        }
        _exit(RankFailure.exitCode)
    }
}
