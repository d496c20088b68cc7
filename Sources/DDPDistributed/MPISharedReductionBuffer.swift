import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// A ``SharedReductionBuffer`` in an MPI shared-memory window (`MPI_Win_allocate_shared`).
///
/// Each rank sums one slice of the buffer over all ranks' segments and writes the result into
/// every segment, so each rank reads and writes each byte of its share once. Open MPI's
/// `MPI_Allreduce` moves the same bytes through its transport's buffers, two copies more
/// per hop; on one machine the shared window averages gradients several times faster.
///
/// Freeing a window is a collective, which a rank leaving on an error cannot join: so the
/// buffer only lends its window, and the communicator keeps the windows for reuse until
/// ``MPICommunicator/finalize()``.
final class MPISharedReductionBuffer: SharedReductionBuffer {
    let count: Int
    private let window: MPISharedWindow

    init(count: Int, window: MPISharedWindow) {
        precondition(count <= window.capacity, "a shared window of \(window.capacity) floats cannot hold \(count)")
        self.count = count
        self.window = window
        window.isLent = true
        elements.update(repeating: 0, count: count)
    }

    var elements: UnsafeMutablePointer<Float> { window.segments[window.rank] }

    func sumOverRanks(prefix: Int, scale: Float) {
        precondition(prefix >= 0 && prefix <= count, "cannot reduce \(prefix) of \(count) floats")
        window.sumOverRanks(prefix: prefix, scale: scale)
    }

    deinit { window.isLent = false }
}

/// One shared-memory window: `capacity` floats per rank of a communicator whose ranks share
/// a machine.
final class MPISharedWindow {
    let capacity: Int
    let rank: Int
    let worldSize: Int
    /// Every rank's segment, in rank order, mapped in this process.
    let segments: [UnsafeMutablePointer<Float>]
    /// Whether a ``MPISharedReductionBuffer`` uses the window now.
    var isLent = false
    private var window: MPI_Win?
    private let comm: MPI_Comm
    private let check: (Int32, String) -> Void
    /// The barrier in shared memory of a job on one machine (else `MPI_Barrier`).
    private let barrier: SharedMemoryBarrier?

    /// Allocates the window; a collective over `comm`.
    init(capacity: Int, comm: MPI_Comm, barrier: SharedMemoryBarrier?, check: @escaping (Int32, String) -> Void) {
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(comm, &rank)
        MPI_Comm_size(comm, &size)
        self.rank = Int(rank)
        self.worldSize = Int(size)
        self.comm = comm
        self.check = check
        self.barrier = barrier
        // Whole cache lines per segment, so no two ranks write the same line.
        let capacity = (max(capacity, 1) + 15) / 16 * 16
        self.capacity = capacity

        var base: UnsafeMutableRawPointer?
        var window: MPI_Win?
        check(MPI_Win_allocate_shared(MPI_Aint(capacity * MemoryLayout<Float>.stride), Int32(MemoryLayout<Float>.stride),
                                      swiftddp_info_null(), comm, &base, &window),
              "MPI_Win_allocate_shared of \(capacity * MemoryLayout<Float>.stride) bytes for gradient buckets "
                + "(SWIFT_DDP_SHARED_MEMORY=0 averages them with MPI_Allreduce instead)")
        self.window = window
        segments = (0..<size).map { peer in
            var bytes: MPI_Aint = 0
            var unit: Int32 = 0
            var peerBase: UnsafeMutableRawPointer?
            check(MPI_Win_shared_query(window, peer, &bytes, &unit, &peerBase), "MPI_Win_shared_query")
            return peerBase!.bindMemory(to: Float.self, capacity: capacity)
        }
        // One passive-target epoch for the window's whole life; MPI_Win_sync orders accesses.
        check(MPI_Win_lock_all(Int32(swiftddp_mode_nocheck()), window), "MPI_Win_lock_all")
    }

    func sumOverRanks(prefix: Int, scale: Float) {
        // Every rank's writes are visible before any rank reads them...
        synchronize()
        // ...each rank reduces its slice into every segment...
        sumSegments(segments, range: ownSlice(of: prefix), scale: scale)
        // ...and no rank reads a result, or writes new values, before all slices are done.
        synchronize()
    }

    /// This rank's share of the first `prefix` floats, cut on cache lines.
    func ownSlice(of prefix: Int) -> Range<Int> {
        let slice = ((prefix + worldSize - 1) / worldSize + 15) / 16 * 16
        let lower = min(prefix, rank * slice)
        return lower..<min(prefix, lower + slice)
    }

    /// Makes every rank's writes to the window visible to every rank; a collective.
    ///
    /// On one machine it waits at the ``SharedMemoryBarrier``, which sleeps after a short spin.
    /// Otherwise `yieldingWhileWaiting` waits in `MPI_Ibarrier` and `MPI_Test`, giving the core
    /// away between tests, instead of `MPI_Barrier`'s busy polling: for a wait as long as a
    /// transfer between machines, during which the waiting ranks would take cores from the
    /// one that transfers.
    func synchronize(yieldingWhileWaiting: Bool = false) {
        check(MPI_Win_sync(window), "MPI_Win_sync")
        if let barrier {
            barrier.wait()
        } else if yieldingWhileWaiting {
            var request: MPI_Request?
            check(MPI_Ibarrier(comm, &request), "MPI_Ibarrier")
            var arrived: Int32 = 0
            while true {
                check(MPI_Test(&request, &arrived, swiftddp_status_ignore()), "MPI_Test")
                if arrived != 0 { break }
                usleep(50)
            }
        } else {
            check(MPI_Barrier(comm), "MPI_Barrier")
        }
        check(MPI_Win_sync(window), "MPI_Win_sync")
    }

    /// Releases the window; a collective, called by every rank in the same order.
    func free() {
        guard window != nil else { return }
        check(MPI_Win_unlock_all(window), "MPI_Win_unlock_all")
        check(MPI_Win_free(&window), "MPI_Win_free")
        window = nil
    }
}
