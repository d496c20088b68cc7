import Foundation

/// N ranks in one process, one thread each: collectives meet through shared memory.
///
/// It lets a unit test run several ranks without MPI (which initialises once per process)
/// and check what only differs with more than one rank, such as gradients missing on some
/// ranks. Reductions add the ranks' values in rank order, so every rank gets the same bits.
///
///     let results = ThreadGroupCommunicator.run(worldSize: 3) { comm in
///         var x: [Float] = [Float(comm.rank)]
///         x.withUnsafeMutableBufferPointer { comm.allReduce($0, .sum) }
///         return x[0]                                  // 3 on every rank
///     }
public final class ThreadGroupCommunicator: Communicator {
    public let rank: Int
    public var worldSize: Int { group.size }
    private let group: Group

    private init(rank: Int, group: Group) {
        self.rank = rank
        self.group = group
    }

    /// Runs `body` once per rank, each on its own thread with its own communicator, and
    /// returns what each rank returned or threw, in rank order.
    public static func run<T>(
        worldSize: Int, _ body: @escaping @Sendable (ThreadGroupCommunicator) throws -> T
    ) -> [Result<T, Error>] {
        precondition(worldSize > 0, "a thread group needs at least one rank, got \(worldSize)")
        let group = Group(size: worldSize)
        let results = ResultBox<T>(count: worldSize)
        let finished = DispatchGroup()
        for rank in 0..<worldSize {
            finished.enter()
            let thread = Thread {
                let outcome = Result { try body(ThreadGroupCommunicator(rank: rank, group: group)) }
                results.set(rank, outcome)
                finished.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        finished.wait()
        return results.values.map { $0! }
    }

    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, _ operation: ReduceOperation) {
        reduce(buffer, operation)
    }

    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Double>, _ operation: ReduceOperation) {
        reduce(buffer, operation)
    }

    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) {
        precondition((0..<worldSize).contains(root), "broadcast root \(root) is not a rank of \(worldSize)")
        group.deposit(rank, UnsafeMutableRawPointer(buffer.baseAddress), count: buffer.count)
        group.barrier()
        if rank != root, let source = group.pointers[root], buffer.count > 0 {
            precondition(group.counts[root] == buffer.count,
                         "broadcast of \(buffer.count) bytes on rank \(rank) but \(group.counts[root]) on the root")
            buffer.baseAddress!.copyMemory(from: source, byteCount: buffer.count)
        }
        group.barrier()
    }

    public func allGather(_ bytes: [UInt8]) -> [[UInt8]] {
        group.depositBytes(rank, bytes)
        group.barrier()
        let gathered = group.byteSlots
        group.barrier()
        return gathered
    }

    public func barrier() { group.barrier() }

    /// Every rank's segment is plain memory of this process, so the threads share it as
    /// ranks on one machine share an MPI window.
    public func makeSharedReductionBuffer(count: Int) -> (any SharedReductionBuffer)? {
        guard worldSize > 1 else { return nil }
        return ThreadGroupReductionBuffer(count: count, rank: rank, group: group)
    }

    public func abort(message: String, code: Int32) -> Never {
        fatalError("rank \(rank) aborted with code \(code): \(message)")
    }

    /// Every rank reads all ranks' buffers in rank order into a private result, and writes
    /// it back only after everyone has read.
    private func reduce<Element: BinaryFloatingPoint>(
        _ buffer: UnsafeMutableBufferPointer<Element>, _ operation: ReduceOperation
    ) {
        group.deposit(rank, UnsafeMutableRawPointer(buffer.baseAddress), count: buffer.count)
        group.barrier()
        for other in 0..<worldSize where group.counts[other] != buffer.count {
            preconditionFailure("all-reduce of \(buffer.count) elements on rank \(rank) but \(group.counts[other]) on rank \(other)")
        }
        var result = [Element](repeating: 0, count: buffer.count)
        if buffer.count > 0 {
            for other in 0..<worldSize {
                let values = group.pointers[other]!.assumingMemoryBound(to: Element.self)
                for i in 0..<buffer.count {
                    if other == 0 { result[i] = values[i]; continue }
                    switch operation {
                    case .sum: result[i] += values[i]
                    case .max: result[i] = Swift.max(result[i], values[i])
                    case .min: result[i] = Swift.min(result[i], values[i])
                    }
                }
            }
        }
        group.barrier()
        for i in 0..<buffer.count { buffer[i] = result[i] }
    }
}

/// A ``SharedReductionBuffer`` whose segments are the ranks' own allocations.
private final class ThreadGroupReductionBuffer: SharedReductionBuffer {
    let count: Int
    let elements: UnsafeMutablePointer<Float>
    private let rank: Int
    private let group: Group
    private var segments: [UnsafeMutablePointer<Float>] = []

    init(count: Int, rank: Int, group: Group) {
        self.count = count
        self.rank = rank
        self.group = group
        elements = .allocate(capacity: max(count, 1))
        elements.initialize(repeating: 0, count: max(count, 1))
        group.deposit(rank, UnsafeMutableRawPointer(elements), count: count)
        group.barrier()
        segments = (0..<group.size).map { group.pointers[$0]!.assumingMemoryBound(to: Float.self) }
        group.barrier()
    }

    func sumOverRanks(prefix: Int, scale: Float) {
        group.barrier()
        // Slices that are not whole vectors, so the element-wise tail is exercised too.
        let slice = (prefix + group.size - 1) / group.size
        let lower = min(prefix, rank * slice)
        sumSegments(segments, range: lower..<min(prefix, lower + slice), scale: scale)
        group.barrier()
    }

    deinit {
        elements.deallocate()
    }
}

/// The memory the ranks of one thread group share.
private final class Group: @unchecked Sendable {
    // Safe: the counters change under `condition` only; the slots as said below.
    let size: Int
    private let condition = NSCondition()
    private var arrived = 0
    private var generation = 0
    // Each slot is written only by its rank before a barrier and read by all after it.
    var pointers: [UnsafeMutableRawPointer?]
    var counts: [Int]
    var byteSlots: [[UInt8]]

    init(size: Int) {
        self.size = size
        pointers = Array(repeating: nil, count: size)
        counts = Array(repeating: 0, count: size)
        byteSlots = Array(repeating: [], count: size)
    }

    func deposit(_ rank: Int, _ pointer: UnsafeMutableRawPointer?, count: Int) {
        condition.lock()
        pointers[rank] = pointer
        counts[rank] = count
        condition.unlock()
    }

    func depositBytes(_ rank: Int, _ bytes: [UInt8]) {
        condition.lock()
        byteSlots[rank] = bytes
        condition.unlock()
    }

    func barrier() {
        condition.lock()
        let mine = generation
        arrived += 1
        if arrived == size {
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == mine { condition.wait() }
        }
        condition.unlock()
    }
}

/// Per-rank results written by the rank threads, read after they have all finished.
private final class ResultBox<T>: @unchecked Sendable {
    // Safe: `values` changes under `lock` only, and is read after every rank thread ended.
    private let lock = NSLock()
    private(set) var values: [Result<T, Error>?]

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ rank: Int, _ value: Result<T, Error>) {
        lock.lock()
        values[rank] = value
        lock.unlock()
    }
}
