import SwiftDDP

/// A communicator whose every collective is `inner`'s, except that
/// ``Communicator/startAllReduceMean(_:into:)`` is the protocol's blocking default: gradient
/// sync through it averages each bucket with one `allReduceMean` (`MPI_Allreduce`), the
/// path the overlapped one is checked against.
final class BlockingReductions: Communicator {
    private let inner: any Communicator
    init(_ inner: any Communicator) { self.inner = inner }

    var rank: Int { inner.rank }
    var worldSize: Int { inner.worldSize }
    func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, _ operation: ReduceOperation) { inner.allReduce(buffer, operation) }
    func allReduce(_ buffer: UnsafeMutableBufferPointer<Double>, _ operation: ReduceOperation) { inner.allReduce(buffer, operation) }
    func allReduceMean(_ buffer: UnsafeMutableBufferPointer<Float>) { inner.allReduceMean(buffer) }
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) { inner.broadcast(buffer, root: root) }
    func allGather(_ bytes: [UInt8]) -> [[UInt8]] { inner.allGather(bytes) }
    func allToAll(_ send: UnsafeRawBufferPointer, _ receive: UnsafeMutableRawBufferPointer) { inner.allToAll(send, receive) }
    func allGather(_ send: UnsafeRawBufferPointer, into receive: UnsafeMutableRawBufferPointer) { inner.allGather(send, into: receive) }
    func barrier() { inner.barrier() }
    func makeSharedReductionBuffer(count: Int) -> (any SharedReductionBuffer)? { inner.makeSharedReductionBuffer(count: count) }
    func abort(message: String, code: Int32) -> Never { inner.abort(message: message, code: code) }
}
