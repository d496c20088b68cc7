import DDPTestSupport
import SwiftDDP
import Testing

/// `inner`'s collectives, recording each ``startAllReduceMean(_:into:)`` (its element count)
/// and performing it blocking, as the protocol's default does.
private final class StartRecording: Communicator {
    let inner: any Communicator
    var startedCounts: [Int] = []
    init(_ inner: any Communicator) { self.inner = inner }

    var rank: Int { inner.rank }
    var worldSize: Int { inner.worldSize }
    func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, _ operation: ReduceOperation) { inner.allReduce(buffer, operation) }
    func allReduce(_ buffer: UnsafeMutableBufferPointer<Double>, _ operation: ReduceOperation) { inner.allReduce(buffer, operation) }
    func allReduceMean(_ buffer: UnsafeMutableBufferPointer<Float>) { inner.allReduceMean(buffer) }
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) { inner.broadcast(buffer, root: root) }
    func allGather(_ bytes: [UInt8]) -> [[UInt8]] { inner.allGather(bytes) }
    func barrier() { inner.barrier() }
    func makeSharedReductionBuffer(count: Int) -> (any SharedReductionBuffer)? { nil }
    func abort(message: String, code: Int32) -> Never { inner.abort(message: message, code: code) }

    func startAllReduceMean(
        _ buffer: UnsafeMutableBufferPointer<Float>, into result: UnsafeMutableBufferPointer<Float>
    ) -> any PendingReduction {
        startedCounts.append(buffer.count)
        result.baseAddress!.update(from: buffer.baseAddress!, count: buffer.count)
        inner.allReduceMean(result)
        return Done()
    }

    private final class Done: PendingReduction {
        func test() -> Bool { true }
        func wait() {}
    }
}

/// A small MLP, a parameter no rank uses and one only rank 1 uses; the loss of this rank's batch.
private struct Replica {
    let parameters: [Tensor]
    let loss: Tensor

    init(rank: Int) {
        var generator = RandomGenerator(seed: 21)
        let first = Linear(4, 8, using: &generator), second = Linear(8, 3, using: &generator)
        let unused = Tensor.zeros([5], requiresGrad: true)
        let partial = Tensor([0.5, -0.25], requiresGrad: true)
        parameters = first.parameters() + [unused, partial] + second.parameters()
        var data = RandomGenerator(seed: 100 + UInt64(rank))
        let x = Tensor.randn([6, 4], using: &data)
        var loss = crossEntropy(second(first(x).relu()), targets: [0, 1, 2, 0, 1, 2])
        if rank == 1 { loss = loss + (partial * partial).sum() }
        self.loss = loss
    }
}

@Suite struct OverlappedReductionTests {
    /// Armed, every bucket starts during backward (the unused parameter's and, on rank 0, the
    /// partial one's are final before backward begins); the means are bitwise those of the
    /// sync after backward, unused stays nil, partial is averaged with rank 0's zeros.
    @Test func bucketsStartDuringBackwardAndAverageBitwiseLikeAfterIt() throws {
        let results = try onRanks(2) { group in
            func run(overlap: Bool) -> (grads: [[Float]?], startedBeforeSync: Int, started: Int, buckets: Int) {
                let communicator = StartRecording(group)
                let replica = Replica(rank: group.rank)
                let sync = GradientSync(parameters: replica.parameters, communicator: communicator, bucketCapacityBytes: 16 * 4)
                if overlap { sync.overlapNextBackward() }
                replica.loss.backward()
                let startedBeforeSync = communicator.startedCounts.count
                sync.synchronize()
                #expect(sync.overlapsBackward)
                return (replica.parameters.map { $0.grad?.scalars }, startedBeforeSync, communicator.startedCounts.count,
                        sync.buckets.count)
            }
            return (run(overlap: true), run(overlap: false))
        }
        for (rank, (overlapped, after)) in results.enumerated() {
            #expect(overlapped.buckets >= 4, "several buckets: \(overlapped.buckets)")
            #expect(overlapped.startedBeforeSync == overlapped.buckets && overlapped.started == overlapped.buckets, "rank \(rank)")
            #expect(after.startedBeforeSync == 0 && after.started == after.buckets, "rank \(rank)")
            #expect(overlapped.grads == after.grads, "rank \(rank): the overlapped means differ")
            #expect(overlapped.grads[2] == nil, "the unused parameter has no gradient")
            #expect(overlapped.grads[3] == [0.5, -0.25], "partial: (2w on rank 1 + 0 on rank 0) / 2")
        }
        #expect(results[0].0.grads == results[1].0.grads, "the ranks hold the same means")
    }

    /// A sync released while armed (a fit that ended with an error) no longer follows backward.
    @Test func aSyncReleasedWhileArmedStopsObserving() throws {
        let grads = try onRanks(2) { group in
            let w = Tensor([1, 2], requiresGrad: true)
            let communicator = StartRecording(group)
            do {
                let sync = GradientSync(parameters: [w], communicator: communicator)
                sync.overlapNextBackward()
            }
            (w * w).sum().backward()
            #expect(communicator.startedCounts.isEmpty)
            return w.grad?.scalars
        }
        #expect(grads == [[2, 4], [2, 4]])
    }

    /// Backward finishes `a` (registered first, so in the last bucket) before `b`; the bucket
    /// of `a` still starts after `b`'s, so that every rank starts them in the same order.
    @Test func aReadyBucketWaitsForTheBucketsBeforeIt() throws {
        let orders = try onRanks(2) { group in
            let communicator = StartRecording(group)
            let a = Tensor([1, 2], requiresGrad: true), b = Tensor([3, 4, 5], requiresGrad: true)
            let sync = GradientSync(parameters: [a, b], communicator: communicator, bucketCapacityBytes: 4)
            #expect(sync.buckets.map(\.parameterIndices) == [[1], [0]])
            // b is used first, so backward reaches it last: a's gradient is final before b's.
            let loss = (a * (Tensor([1, 1, 1]) * b).sum()).sum()
            sync.overlapNextBackward()
            loss.backward()
            let before = communicator.startedCounts
            sync.synchronize()
            return before
        }
        // Element counts with their flag: b's bucket (3 + 1), then a's (2 + 1), during backward.
        #expect(orders == [[4, 3], [4, 3]])
    }
}
