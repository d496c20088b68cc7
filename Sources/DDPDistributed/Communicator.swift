import DDPTensor

/// How values from all ranks combine in a reduction.
public enum ReduceOperation: Sendable {
    case sum, max, min
}

/// The collective operations the trainer needs, over MPI or within one process.
///
/// Every rank must call the same collectives in the same order with the same sizes; the
/// trainer guarantees this by iterating parameters in registration order.
public protocol Communicator: AnyObject {
    /// This process's index, `0..<worldSize`.
    var rank: Int { get }
    /// The number of ranks.
    var worldSize: Int { get }

    /// Combines `buffer` element-wise across ranks, in place, so every rank holds the result.
    func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, _ operation: ReduceOperation)
    /// Combines `buffer` element-wise across ranks, in place (double precision, for metrics).
    func allReduce(_ buffer: UnsafeMutableBufferPointer<Double>, _ operation: ReduceOperation)
    /// Copies `buffer` from rank `root` to every other rank.
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int)
    /// Gathers one byte string from every rank, in rank order, on every rank.
    func allGather(_ bytes: [UInt8]) -> [[UInt8]]
    /// Sends block r of `send` (its bytes cut in `worldSize` equal blocks) to rank r, and
    /// receives rank r's block for this rank into block r of `receive` (as large as `send`).
    func allToAll(_ send: UnsafeRawBufferPointer, _ receive: UnsafeMutableRawBufferPointer)
    /// Gathers `send` from every rank into `receive` (`worldSize` times as large), in rank order.
    func allGather(_ send: UnsafeRawBufferPointer, into receive: UnsafeMutableRawBufferPointer)
    /// Waits until every rank has arrived.
    func barrier()
    /// A buffer of `count` floats that ``SharedReductionBuffer/sumOverRanks(prefix:scale:)``
    /// averages faster than ``allReduce(_:_:)``: in memory every rank maps when all ranks share
    /// one machine, or in memory each host's ranks share when the ranks span hosts and some
    /// host runs several (``HostLayout/isHierarchical``); `nil` otherwise. A collective.
    func makeSharedReductionBuffer(count: Int) -> (any SharedReductionBuffer)?
    /// Which ranks share a machine (a collective the first time ``MPICommunicator`` is asked).
    var hostLayout: HostLayout { get }
    /// Ends every rank at once with `code` (after printing `message` on this rank's stderr).
    func abort(message: String, code: Int32) -> Never
    /// Averages `buffer` element-wise across ranks, in place (by default a sum, then a pass
    /// that divides by the number of ranks).
    func allReduceMean(_ buffer: UnsafeMutableBufferPointer<Float>)
    /// Starts averaging `buffer` element-wise across ranks into `result` (as many elements),
    /// as ``allReduceMean(_:)`` would in place, and returns at once where the transport allows
    /// (by default it finishes before returning). Until ``PendingReduction/wait()`` returns,
    /// `buffer` must not change and `result` must not be touched. A collective: every rank
    /// starts the same reductions in the same order.
    func startAllReduceMean(
        _ buffer: UnsafeMutableBufferPointer<Float>, into result: UnsafeMutableBufferPointer<Float>
    ) -> any PendingReduction
}

/// A reduction started by ``Communicator/startAllReduceMean(_:into:)``.
public protocol PendingReduction: AnyObject {
    /// Moves the reduction on if it can without waiting; `true` once it is complete.
    func test() -> Bool
    /// Returns when the result is in place.
    func wait()
}

/// A reduction that was complete when it started.
final class CompletedReduction: PendingReduction {
    func test() -> Bool { true }
    func wait() {}
}

extension Communicator {
    /// Through ``allGather(_:)-([UInt8])``: correct for any communicator, though every rank
    /// receives every block. ``MPICommunicator`` sends each block to its rank alone.
    public func allToAll(_ send: UnsafeRawBufferPointer, _ receive: UnsafeMutableRawBufferPointer) {
        precondition(send.count == receive.count && send.count % worldSize == 0,
                     "allToAll needs equal buffers cut in \(worldSize) blocks, got \(send.count) and \(receive.count) bytes")
        let block = send.count / worldSize
        let everyone = allGather(Array(send))
        for source in 0..<worldSize {
            everyone[source].withUnsafeBytes { bytes in
                receive.baseAddress!.advanced(by: source * block)
                    .copyMemory(from: bytes.baseAddress!.advanced(by: rank * block), byteCount: block)
            }
        }
    }

    /// Through ``allGather(_:)-([UInt8])``.
    public func allGather(_ send: UnsafeRawBufferPointer, into receive: UnsafeMutableRawBufferPointer) {
        precondition(receive.count == send.count * worldSize,
                     "allGather needs \(worldSize) x \(send.count) bytes to receive into, got \(receive.count)")
        for (source, bytes) in allGather(Array(send)).enumerated() {
            bytes.withUnsafeBytes { block in
                UnsafeMutableRawBufferPointer(rebasing: receive[(source * send.count)...]).copyMemory(from: block)
            }
        }
    }

    /// `true` on the rank that logs and writes files.
    public var isRoot: Bool { rank == 0 }

    /// Sums `tensor` over ranks in place.
    public func allReduceSum(_ tensor: Tensor) {
        allReduce(UnsafeMutableBufferPointer(start: tensor.data, count: tensor.count), .sum)
    }

    /// Averages `tensor` over ranks in place.
    public func allReduceMean(_ tensor: Tensor) {
        allReduceMean(UnsafeMutableBufferPointer(start: tensor.data, count: tensor.count))
    }

    public func allReduceMean(_ buffer: UnsafeMutableBufferPointer<Float>) {
        allReduceSumThenScale(buffer)
    }

    /// Blocking: copies `buffer` into `result` and averages it there with ``allReduceMean(_:)``.
    public func startAllReduceMean(
        _ buffer: UnsafeMutableBufferPointer<Float>, into result: UnsafeMutableBufferPointer<Float>
    ) -> any PendingReduction {
        precondition(buffer.count == result.count, "a reduction of \(buffer.count) elements into \(result.count)")
        if let source = buffer.baseAddress, let destination = result.baseAddress {
            destination.update(from: source, count: buffer.count)
        }
        allReduceMean(result)
        return CompletedReduction()
    }

    /// The sum over ranks, then one pass dividing it by the number of ranks.
    func allReduceSumThenScale(_ buffer: UnsafeMutableBufferPointer<Float>) {
        allReduce(buffer, .sum)
        guard worldSize > 1 else { return }
        let scale = 1 / Float(worldSize)
        for i in buffer.indices { buffer[i] *= scale }
    }

    /// Averages scalar values over ranks.
    public func mean(_ values: [Double]) -> [Double] {
        var result = values
        result.withUnsafeMutableBufferPointer { allReduce($0, .sum) }
        return result.map { $0 / Double(worldSize) }
    }

    /// Copies `tensor` from rank `root` to all ranks.
    public func broadcast(_ tensor: Tensor, root: Int = 0) {
        broadcast(UnsafeMutableRawBufferPointer(start: tensor.data, count: tensor.count * MemoryLayout<Float>.stride),
                  root: root)
    }
}
