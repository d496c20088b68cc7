import CMPI
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

    nonisolated(unsafe) private static var instance: MPICommunicator?

    /// The communicator of this process, initialising MPI on first use.
    public static var shared: MPICommunicator {
        if let instance { return instance }
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        if initialized == 0 { MPI_Init(nil, nil) }
        let made = MPICommunicator(comm: swiftddp_comm_world())
        instance = made
        return made
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
        if instance != nil && finalized == 0 { MPI_Finalize() }
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
        check(MPI_Allreduce(swiftddp_in_place(), base, Int32(buffer.count), swiftddp_float(),
                            mpiOperation(operation), comm), "MPI_Allreduce")
    }

    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Double>, _ operation: ReduceOperation) {
        guard worldSize > 1, let base = buffer.baseAddress, buffer.count > 0 else { return }
        check(MPI_Allreduce(swiftddp_in_place(), base, Int32(buffer.count), swiftddp_double(),
                            mpiOperation(operation), comm), "MPI_Allreduce")
    }

    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) {
        guard worldSize > 1, let base = buffer.baseAddress, buffer.count > 0 else { return }
        check(MPI_Bcast(base, Int32(buffer.count), swiftddp_byte(), Int32(root), comm), "MPI_Bcast")
    }

    public func allGather(_ bytes: [UInt8]) -> [[UInt8]] {
        guard worldSize > 1 else { return [bytes] }
        var length = Int64(bytes.count)
        var lengths = [Int64](repeating: 0, count: worldSize)
        check(MPI_Allgather(&length, 1, swiftddp_int64(), &lengths, 1, swiftddp_int64(), comm), "MPI_Allgather")
        let counts = lengths.map { Int32($0) }
        var displacements = [Int32](repeating: 0, count: worldSize)
        for i in 1..<worldSize { displacements[i] = displacements[i - 1] + counts[i - 1] }
        var gathered = [UInt8](repeating: 0, count: Int(counts.reduce(0, +)))
        var sendBytes = bytes
        check(MPI_Allgatherv(&sendBytes, Int32(bytes.count), swiftddp_byte(),
                             &gathered, counts, displacements, swiftddp_byte(), comm), "MPI_Allgatherv")
        return (0..<worldSize).map { r in
            Array(gathered[Int(displacements[r])..<Int(displacements[r] + counts[r])])
        }
    }

    public func barrier() {
        guard worldSize > 1 else { return }
        check(MPI_Barrier(comm), "MPI_Barrier")
    }

    public func abort(message: String, code: Int32) -> Never {
        fputs(message + "\n", stderr)
        fflush(stderr)
        MPI_Abort(comm, code)
        exit(code)
    }

    private func check(_ status: Int32, _ call: String) {
        if status != 0 { abort(message: "rank \(rank): \(call) failed with MPI error \(status)", code: 70) }
    }
}
