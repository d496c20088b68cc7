import CMPI
import DDPTensor

/// The small collectives of ranks that all share one machine, in one shared-memory window
/// (`MPI_Win_allocate_shared`) instead of through MPI: a ``SharedMemoryBarrier``, which the
/// gradient buckets' shared windows wait on too, and all-reduces of up to ``slotBytes``
/// bytes (a step's loss, its logged metrics, flags), each one barrier.
///
/// Every rank writes its values into its slot, waits at the barrier, and combines all slots
/// in rank order, so every rank computes bitwise the same result. The slots alternate
/// between two areas: a rank writes an area again only two reductions later, after a barrier
/// that every rank reached once it had read that area.
final class MPISharedCollectives {
    /// The most bytes one rank contributes to a reduction done here; larger ones go to MPI.
    static let slotBytes = 512
    /// The barrier's words, on a cache line of their own.
    private static let controlBytes = 64

    let barrier: SharedMemoryBarrier
    private let rank: Int
    private let rankCount: Int
    private let base: UnsafeMutableRawPointer
    private var window: MPI_Win?
    private var reductions = 0

    /// Allocates the window on rank 0 of `comm` (every rank of the job, on one machine) and
    /// maps it on every rank; a collective.
    init(comm: MPI_Comm, check: (Int32, String) -> Void) {
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(comm, &rank)
        MPI_Comm_size(comm, &size)
        self.rank = Int(rank)
        rankCount = Int(size)
        let bytes = Self.controlBytes + 2 * rankCount * Self.slotBytes
        var ownBase: UnsafeMutableRawPointer?
        var window: MPI_Win?
        check(MPI_Win_allocate_shared(MPI_Aint(rank == 0 ? bytes : 0), 1, swiftddp_info_null(), comm, &ownBase, &window),
              "MPI_Win_allocate_shared of \(bytes) bytes for the ranks' small collectives "
                + "(SWIFT_DDP_SHARED_MEMORY=0 makes them through MPI instead)")
        var size0: MPI_Aint = 0
        var unit: Int32 = 0
        var shared: UnsafeMutableRawPointer?
        check(MPI_Win_shared_query(window, 0, &size0, &unit, &shared), "MPI_Win_shared_query")
        base = shared!
        if rank == 0 { base.initializeMemory(as: UInt8.self, repeating: 0, count: bytes) }
        self.window = window
        barrier = SharedMemoryBarrier(words: base.bindMemory(to: UInt32.self, capacity: 3), rankCount: rankCount)
        // No rank uses the words before rank 0 has zeroed them.
        check(MPI_Barrier(comm), "MPI_Barrier")
    }

    /// Combines `buffer` over the ranks in place, as `MPI_Allreduce` would; `false` (nothing
    /// done) when it is larger than ``slotBytes``. A collective.
    func allReduce<Element: BinaryFloatingPoint>(_ buffer: UnsafeMutableBufferPointer<Element>,
                                                 _ operation: ReduceOperation) -> Bool {
        let bytes = buffer.count * MemoryLayout<Element>.stride
        guard bytes <= Self.slotBytes, let values = buffer.baseAddress else { return false }
        let area = base + Self.controlBytes + (reductions & 1) * rankCount * Self.slotBytes
        reductions += 1
        (area + rank * Self.slotBytes).copyMemory(from: values, byteCount: bytes)
        barrier.wait()
        for i in 0..<buffer.count {
            let offset = i * MemoryLayout<Element>.stride
            var result = area.load(fromByteOffset: offset, as: Element.self)
            for peer in 1..<rankCount {
                let value = area.load(fromByteOffset: peer * Self.slotBytes + offset, as: Element.self)
                switch operation {
                case .sum: result += value
                // A NaN on any rank stays: every rank then sees it.
                case .max: result = value > result || value.isNaN ? value : result
                case .min: result = value < result || value.isNaN ? value : result
                }
            }
            values[i] = result
        }
        return true
    }

    /// Releases the window; a collective, at ``MPICommunicator/finalize()``.
    func free() {
        guard window != nil else { return }
        MPI_Win_free(&window)
        window = nil
    }
}
