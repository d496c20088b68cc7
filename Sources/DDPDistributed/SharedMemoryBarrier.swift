import CMPI
import DDPTensor

/// A barrier for the ranks of one machine, on three words in memory they share, that waits
/// without holding a core: a rank that arrives early spins for ``spinSeconds`` (long enough
/// for ranks in step) and then sleeps on a futex until the last rank arrives and wakes it.
///
/// `MPI_Barrier` polls for as long as it waits: a rank whose peer lost its core to another
/// process, or that waits while rank 0 trains alone (`bench scaling`'s reference), would
/// hold a core that the others need.
struct SharedMemoryBarrier {
    /// How long an early rank spins before it sleeps.
    static let spinSeconds = 100e-6
    /// The longest single sleep: a missed wake-up (there should be none) costs at most this.
    static let sleepNanoseconds = 100_000_000

    /// The barrier's words: the generation (bumped when every rank has arrived), the ranks
    /// arrived in this generation, and the ranks asleep.
    let words: UnsafeMutablePointer<UInt32>
    let rankCount: Int

    /// Makes the barrier on `words` (three zeroed words every rank maps) for `rankCount` ranks.
    init(words: UnsafeMutablePointer<UInt32>, rankCount: Int) {
        self.words = words
        self.rankCount = rankCount
    }

    /// Returns once every rank has called it; every write a rank made before calling it is
    /// visible to every rank after it returns.
    func wait() {
        let generation = words, arrived = words + 1, sleepers = words + 2
        let current = swiftddp_atomic_load(generation)
        if Int(swiftddp_atomic_add(arrived, 1)) == rankCount - 1 {
            // The last rank: the next generation may start arriving once this one is released.
            swiftddp_atomic_store(arrived, 0)
            _ = swiftddp_atomic_add(generation, 1)
            if swiftddp_atomic_load(sleepers) > 0 { swiftddp_futex_wake_all(generation) }
            return
        }
        let deadline = MonotonicClock.seconds() + Self.spinSeconds
        var spins = 0
        while swiftddp_atomic_load(generation) == current {
            spins += 1
            if spins & 63 == 0 && MonotonicClock.seconds() > deadline { break }
            swiftddp_spin_pause()
        }
        // Announced before the futex checks the generation, and the last rank bumps the
        // generation before it reads the sleepers: one of the two sees the other.
        while swiftddp_atomic_load(generation) == current {
            _ = swiftddp_atomic_add(sleepers, 1)
            swiftddp_futex_wait(generation, current, Self.sleepNanoseconds)
            _ = swiftddp_atomic_subtract(sleepers, 1)
        }
    }
}
