import CMPI
import DDPTensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Collectives over Open MPI's `MPI_COMM_WORLD`.
///
/// MPI is initialised once per process by ``shared``; it is finalised by ``finalize()``.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let worldSize: Int
    private let comm: MPI_Comm

    // Safe: MPI is one per process; it is set once, by the rank's main thread, before any
    // other thread of the process touches MPI.
    nonisolated(unsafe) private static var instance: MPICommunicator?

    /// The communicator of this process, initialising MPI on first use.
    public static var shared: MPICommunicator {
        if let instance { return instance }
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        if initialized == 0 {
            chooseNonblockingAllReduce()
            MPI_Init(nil, nil)
        }
        let world: MPI_Comm = swiftddp_comm_world()
        // Failed calls return codes that ``check(_:_:)`` turns into a message naming the rank.
        _ = swiftddp_set_errors_return(world)
        let made = MPICommunicator(comm: world)
        instance = made
        return made
    }

    /// Asks Open MPI for its ring algorithm in `MPI_Iallreduce` on fewer than 4 ranks, unless
    /// the environment already names an algorithm. There its default is a binomial tree:
    /// on two ranks one rank sends its buffer, the other the result, one after the other,
    /// where the ring exchanges halves both ways at once and each rank reduces only its half.
    /// Measured with `swift-ddp bench sync` on 2 ranks: on one host the path took 1.16x one
    /// blocking `MPI_Allreduce` for MLP-L's gradients and 0.65x for 10M parameters, against
    /// 2.1-2.3x and 1.0-1.1x with recursive doubling; across two simulated hosts at 1 Gbit/s,
    /// 0.68-0.69x against 0.76-1.04x for 10M parameters (BENCHMARKS.md).
    /// Every rank reads the same environment, so every rank runs the same algorithm.
    private static func chooseNonblockingAllReduce() {
        let name = "OMPI_MCA_coll_libnbc_iallreduce_algorithm"
        guard getenv(name) == nil, let size = getenv("OMPI_COMM_WORLD_SIZE").flatMap({ Int(String(cString: $0)) }),
              size < 4 else { return }
        setenv(name, "1", 0)   // ring
    }

    /// `true` when this process was started by `mpirun` (or another PMIx launcher).
    public static var isLaunchedByMPI: Bool {
        let env = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "MPI_LOCALNRANKS"]
        return env.contains { getenv($0) != nil }
    }

    private init(comm: MPI_Comm) {
        self.comm = comm
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(comm, &rank)
        MPI_Comm_size(comm, &size)
        self.rank = Int(rank)
        self.worldSize = Int(size)
    }

    /// Shuts MPI down; call once, after the last collective, before the process exits.
    public static func finalize() {
        var finalized: Int32 = 0
        MPI_Finalized(&finalized)
        guard let instance, finalized == 0 else { return }
        for window in instance.sharedWindows { window.free() }
        instance.sharedWindows.removeAll()
        instance.hostCollectives?.free()
        MPI_Finalize()
    }

    private func mpiOperation(_ operation: ReduceOperation) -> MPI_Op {
        switch operation {
        case .sum: return swiftddp_op_sum()
        case .max: return swiftddp_op_max()
        case .min: return swiftddp_op_min()
        }
    }

    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, _ operation: ReduceOperation) {
        guard worldSize > 1, let base = buffer.baseAddress, buffer.count > 0 else { return }
        if let shared = hostCollectives, shared.allReduce(buffer, operation) { return }
        check(MPI_Allreduce(swiftddp_in_place(), base, mpiCount(buffer.count), swiftddp_float(),
                            mpiOperation(operation), comm), "MPI_Allreduce")
    }

    /// On two ranks the mean is folded into the reduction: the operation `(a + b) / 2` is
    /// applied once per element (there are only two values to combine), so no pass over the
    /// buffer follows the all-reduce. On more ranks a partial result can be combined again,
    /// so the sum is divided afterwards.
    public func allReduceMean(_ buffer: UnsafeMutableBufferPointer<Float>) {
        guard worldSize == 2, let base = buffer.baseAddress, buffer.count > 0 else {
            allReduceSumThenScale(buffer)
            return
        }
        check(MPI_Allreduce(swiftddp_in_place(), base, mpiCount(buffer.count), swiftddp_float(), pairMean, comm),
              "MPI_Allreduce")
    }

    /// `MPI_Iallreduce` from `buffer` into `result`, with the operation of ``allReduceMean(_:)``:
    /// on two ranks `(a + b) / 2`, so every element is bitwise what the blocking path gives;
    /// on more, the sum, divided by the ranks once it has arrived.
    public func startAllReduceMean(
        _ buffer: UnsafeMutableBufferPointer<Float>, into result: UnsafeMutableBufferPointer<Float>
    ) -> any PendingReduction {
        precondition(buffer.count == result.count, "a reduction of \(buffer.count) elements into \(result.count)")
        guard worldSize > 1, let source = buffer.baseAddress, let destination = result.baseAddress, buffer.count > 0 else {
            if let source = buffer.baseAddress, let destination = result.baseAddress {
                destination.update(from: source, count: buffer.count)
            }
            return CompletedReduction()
        }
        var request: MPI_Request? = swiftddp_request_null()
        let pair = worldSize == 2
        check(MPI_Iallreduce(source, destination, mpiCount(buffer.count), swiftddp_float(),
                             pair ? pairMean : swiftddp_op_sum(), comm, &request), "MPI_Iallreduce")
        return MPIPendingReduction(request: request, sumToScale: pair ? nil : result, scale: 1 / Float(worldSize)) {
            [unowned self] status, call in check(status, call)
        }
    }

    /// The commutative operation `inout = (in + inout) / 2` on floats, made on first use.
    private lazy var pairMean: MPI_Op? = {
        var op: MPI_Op?
        let created = MPI_Op_create({ input, output, length, _ in
            guard let input, let output, let length else { return }
            let a = input.assumingMemoryBound(to: Float.self), b = output.assumingMemoryBound(to: Float.self)
            for i in 0..<Int(length.pointee) { b[i] = (a[i] + b[i]) * 0.5 }
        }, 1, &op)
        self.check(created, "MPI_Op_create")
        return op
    }()

    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Double>, _ operation: ReduceOperation) {
        guard worldSize > 1, let base = buffer.baseAddress, buffer.count > 0 else { return }
        if let shared = hostCollectives, shared.allReduce(buffer, operation) { return }
        check(MPI_Allreduce(swiftddp_in_place(), base, mpiCount(buffer.count), swiftddp_double(),
                            mpiOperation(operation), comm), "MPI_Allreduce")
    }

    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) {
        guard worldSize > 1, let base = buffer.baseAddress, buffer.count > 0 else { return }
        check(MPI_Bcast(base, mpiCount(buffer.count), swiftddp_byte(), Int32(root), comm), "MPI_Bcast")
    }

    public func allGather(_ bytes: [UInt8]) -> [[UInt8]] {
        guard worldSize > 1 else { return [bytes] }
        var length = Int64(bytes.count)
        var lengths = [Int64](repeating: 0, count: worldSize)
        check(MPI_Allgather(&length, 1, swiftddp_int64(), &lengths, 1, swiftddp_int64(), comm), "MPI_Allgather")
        let counts = lengths.map { mpiCount(Int($0)) }
        var displacements = [Int32](repeating: 0, count: worldSize)
        for i in 1..<worldSize { displacements[i] = displacements[i - 1] + counts[i - 1] }
        var gathered = [UInt8](repeating: 0, count: Int(counts.reduce(0, +)))
        var sendBytes = bytes
        check(MPI_Allgatherv(&sendBytes, mpiCount(bytes.count), swiftddp_byte(),
                             &gathered, counts, displacements, swiftddp_byte(), comm), "MPI_Allgatherv")
        return (0..<worldSize).map { r in
            Array(gathered[Int(displacements[r])..<Int(displacements[r] + counts[r])])
        }
    }

    public func allToAll(_ send: UnsafeRawBufferPointer, _ receive: UnsafeMutableRawBufferPointer) {
        precondition(send.count == receive.count && send.count % worldSize == 0,
                     "allToAll needs equal buffers cut in \(worldSize) blocks, got \(send.count) and \(receive.count) bytes")
        guard let source = send.baseAddress, let destination = receive.baseAddress else { return }
        let block = mpiCount(send.count / worldSize)
        check(MPI_Alltoall(source, block, swiftddp_byte(), destination, block, swiftddp_byte(), comm), "MPI_Alltoall")
    }

    public func allGather(_ send: UnsafeRawBufferPointer, into receive: UnsafeMutableRawBufferPointer) {
        precondition(receive.count == send.count * worldSize,
                     "allGather needs \(worldSize) x \(send.count) bytes to receive into, got \(receive.count)")
        guard let source = send.baseAddress, let destination = receive.baseAddress else { return }
        let block = mpiCount(send.count)
        check(MPI_Allgather(source, block, swiftddp_byte(), destination, block, swiftddp_byte(), comm), "MPI_Allgather")
    }

    public func barrier() {
        guard worldSize > 1 else { return }
        if let shared = hostCollectives { return shared.barrier.wait() }
        check(MPI_Barrier(comm), "MPI_Barrier")
    }

    public func abort(message: String, code: Int32) -> Never {
        PeerDeathReport.noteReported()
        writeToStandardError(message + "\n")
        MPI_Abort(comm, code)
        exit(code)
    }

    /// Ends this rank with `code` once every rank has called this, through a clean
    /// `MPI_Finalize`, so that a mistake all ranks found alike ends the job without Open MPI's
    /// abort banner. A rank that has not arrived within `seconds` is ended by `MPI_Abort`.
    public func exitTogether(code: Int32, within seconds: Double) -> Never {
        PeerDeathReport.noteReported()
        var request: MPI_Request?
        if worldSize > 1, MPI_Ibarrier(comm, &request) == swiftddp_success() {
            let deadline = MonotonicClock.seconds() + seconds
            var arrived: Int32 = 0
            while arrived == 0 {
                guard MPI_Test(&request, &arrived, swiftddp_status_ignore()) == swiftddp_success(),
                      MonotonicClock.seconds() < deadline else {
                    MPI_Abort(comm, code)
                    exit(code)
                }
                if arrived == 0 { usleep(2_000) }
            }
        }
        Self.finalize()
        exit(code)
    }

    /// The ranks of each host and the hosts' leaders; found on first use, a collective (every
    /// rank first asks at the same point: ``GradientSync`` building its buckets).
    private lazy var hostGroups: MPIHostGroups = makeHostGroups(world: comm)

    public var hostLayout: HostLayout { hostGroups.layout }

    /// When every rank runs on this machine (and shared memory is allowed), the barrier and
    /// small all-reduces in memory the ranks share, which wait without holding a core; made
    /// by the first collective that asks (every rank asks at the same point).
    private lazy var hostCollectives: MPISharedCollectives? = {
        guard worldSize > 1, Self.sharedMemoryAllowed else { return nil }
        let groups = hostGroups
        guard groups.layout.hosts.count == 1 else { return nil }
        return MPISharedCollectives(comm: groups.host) { [unowned self] status, call in check(status, call) }
    }()

    /// The shared-memory windows made so far, lent again once returned (every rank asks for
    /// and returns buffers at the same points, so every rank makes the same windows).
    private var sharedWindows: [MPISharedWindow] = []

    /// `SWIFT_DDP_SHARED_MEMORY=0` in the environment turns shared-memory gradient buckets
    /// off (every rank must see the same setting, as `mpirun -x` gives it).
    private static let sharedMemoryAllowed = getenv("SWIFT_DDP_SHARED_MEMORY").map { String(cString: $0) != "0" } ?? true

    /// On one host, a window over all ranks; across hosts with several ranks on some host, a
    /// window inside each host whose sums the hosts' leaders all-reduce
    /// (``HostLayout/isHierarchical``); with one rank per host, `nil` (`MPI_Allreduce`).
    public func makeSharedReductionBuffer(count: Int) -> (any SharedReductionBuffer)? {
        guard worldSize > 1, Self.sharedMemoryAllowed else { return nil }
        let groups = hostGroups
        if groups.layout.hosts.count == 1 {
            return MPISharedReductionBuffer(count: count, window: sharedWindow(capacity: count, comm: groups.host))
        }
        return groups.layout.isHierarchical ? makeHierarchicalReductionBuffer(count: count, groups: groups) : nil
    }

    /// A free window of at least `capacity` floats per rank over `comm` (this rank's host),
    /// or a new one; a collective over `comm` when it makes one.
    func sharedWindow(capacity: Int, comm: MPI_Comm) -> MPISharedWindow {
        if let free = sharedWindows.first(where: { !$0.isLent && $0.capacity >= capacity }) { return free }
        // Across hosts the windows are each host's, and wait with MPI (`hostCollectives` is nil).
        let window = MPISharedWindow(capacity: capacity, comm: comm, barrier: hostCollectives?.barrier) {
            [unowned self] status, call in
            check(status, call)
        }
        sharedWindows.append(window)
        return window
    }

    /// One `MPI_Allreduce` (sum) of `count` floats in place, with nothing around it (not
    /// skipped on one rank, unlike ``allReduce(_:_:)``): the baseline that gradient
    /// synchronisation is measured against.
    public func rawAllReduceSum(_ base: UnsafeMutablePointer<Float>, count: Int) {
        check(MPI_Allreduce(swiftddp_in_place(), base, mpiCount(count), swiftddp_float(),
                            swiftddp_op_sum(), comm), "MPI_Allreduce")
    }

    /// MPI counts are 32-bit; a larger buffer is a caller error with a clear message.
    func mpiCount(_ count: Int) -> Int32 {
        guard let narrow = Int32(exactly: count) else {
            abort(message: "swift-ddp: rank \(rank): a collective of \(count) elements exceeds MPI's 32-bit count",
                  code: 70)
        }
        return narrow
    }

    /// Ends the job with a message when an MPI call returned an error code.
    func check(_ status: Int32, _ call: String) {
        guard status != swiftddp_success() else { return }
        var text = [CChar](repeating: 0, count: Int(swiftddp_max_error_string()) + 1)
        var length: Int32 = 0
        let described = MPI_Error_string(status, &text, &length) == swiftddp_success()
        let reason = described ? String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self) : "MPI error code \(status)"
        abort(message: "swift-ddp: rank \(rank): \(call) failed: \(reason)", code: 70)
    }
}
