import Testing
import SwiftDDP
import DDPTestSupport

/// Parameters of the given sizes, each a 1-D tensor that requires grad.
private func parameters(_ sizes: [Int]) -> [Tensor] {
    sizes.map { Tensor.zeros([$0], requiresGrad: true) }
}

/// Runs `body` on `worldSize` in-process ranks and returns each rank's value, failing the
/// test with the first error.
func onRanks<T>(_ worldSize: Int, _ body: @escaping @Sendable (ThreadGroupCommunicator) throws -> T) throws -> [T] {
    try ThreadGroupCommunicator.run(worldSize: worldSize, body).map { try $0.get() }
}

@Suite struct GradientSyncLayoutTests {
    @Test func bucketsFillInReverseRegistrationOrderUpToCapacity() {
        let sync = GradientSync(parameters: parameters([4, 4, 4, 4, 4]), communicator: LocalCommunicator(),
                                bucketCapacityBytes: 8 * 4)
        #expect(sync.buckets.map(\.parameterIndices) == [[4, 3], [2, 1], [0]])
        #expect(sync.buckets.map(\.offsets) == [[0, 4], [0, 4], [0]])
        #expect(sync.buckets.map(\.elementCount) == [8, 8, 4])
        // One flag per parameter rides along with the gradients.
        #expect(sync.buckets.map(\.byteCount) == [40, 40, 20])
    }

    @Test func aParameterLargerThanABucketGetsItsOwn() {
        let sync = GradientSync(parameters: parameters([2, 100, 3]), communicator: LocalCommunicator(),
                                bucketCapacityBytes: 16 * 4)
        #expect(sync.buckets.map(\.parameterIndices) == [[2], [1], [0]])
    }

    @Test func backwardWritesStraightIntoTheBucket() {
        let w = Tensor([1, 2, 3], requiresGrad: true)
        let b = Tensor([0.5], requiresGrad: true)
        let sync = GradientSync(parameters: [w, b], communicator: LocalCommunicator())
        let destination = w.gradDestination
        #expect(destination != nil)
        ((w * w).sum() + b.sum()).backward()
        #expect(w.grad === destination)
        #expect(w.grad?.scalars == [2, 4, 6])
        sync.synchronize()
        #expect(w.grad === destination)
        #expect(w.grad?.scalars == [2, 4, 6])
        #expect(b.grad?.scalars == [1])
        // Zeroing by setting nil keeps the destination; the next backward overwrites it.
        w.grad = nil
        (w.sum()).backward()
        #expect(w.grad === destination)
        #expect(w.grad?.scalars == [1, 1, 1])
    }

    @Test func aGradientPresentBeforeTheSyncIsKept() {
        let w = Tensor([1, 2], requiresGrad: true)
        w.grad = Tensor([5, 6])
        let sync = GradientSync(parameters: [w], communicator: LocalCommunicator())
        #expect(w.grad === w.gradDestination)
        #expect(w.grad?.scalars == [5, 6])
        sync.synchronize()
        #expect(w.grad?.scalars == [5, 6])
    }

    @Test func aReplacedGradientIsCopiedIntoItsBucket() throws {
        let results = try onRanks(2) { comm -> ([Float], Bool) in
            let w = Tensor([0, 0, 0], requiresGrad: true)
            let sync = GradientSync(parameters: [w], communicator: comm)
            w.grad = Tensor([1, 2, 3].map { $0 * Float(comm.rank + 1) })   // not the bucket view
            sync.synchronize()
            return (w.grad!.scalars, w.grad === w.gradDestination)
        }
        for (values, isBucketView) in results {
            #expect(values == [1.5, 3, 4.5])
            #expect(isBucketView)
        }
    }
}

@Suite struct GradientSyncAveragingTests {
    /// Each path of the sync: buckets in memory the ranks share, and buckets all-reduced.
    static let paths = [true, false]

    @Test(arguments: paths) func averagesOverRanksBucketByBucketIdenticallyEverywhere(sharedMemory: Bool) throws {
        let worldSize = 3
        let sizes = [5, 3, 7, 1]
        let results = try onRanks(worldSize) { comm -> [[Float]] in
            let params = parameters(sizes)
            let sync = GradientSync(parameters: params, communicator: comm, bucketCapacityBytes: 8 * 4,
                                    sharedMemory: sharedMemory)
            #expect(sync.buckets.count > 1)
            #expect(sync.buckets.allSatisfy { $0.isInSharedMemory == sharedMemory })
            for (k, p) in params.enumerated() {
                p.grad = nil
                (p * Tensor((0..<p.count).map { Float($0 + 10 * k) * Float(comm.rank + 1) })).sum().backward()
            }
            sync.synchronize()
            return params.map { $0.grad!.scalars }
        }
        // Rank r's gradient is (r + 1) · v, so the mean is 2 · v for three ranks. Exactly: small
        // integers sum exactly in any order, and 6v times Float(1 / 3) = 6v / 3 · (1 + 2⁻²⁵) rounds to 2v.
        let expected = sizes.enumerated().map { k, n in (0..<n).map { Float($0 + 10 * k) * 2 } }
        for rank in 0..<worldSize { #expect(results[rank] == expected) }
    }

    @Test(arguments: paths) func aGradientMissingOnEveryRankStaysMissing(sharedMemory: Bool) throws {
        let results = try onRanks(2) { comm -> (Bool, [Float]) in
            let used = Tensor([1, 1], requiresGrad: true)
            let unused = Tensor([1, 1, 1], requiresGrad: true)
            let sync = GradientSync(parameters: [used, unused], communicator: comm, sharedMemory: sharedMemory)
            for step in 0..<2 {
                used.grad = nil
                (used * Float(step + 1)).sum().backward()
                sync.synchronize()
            }
            return (unused.grad == nil, used.grad!.scalars)
        }
        for (unusedIsNil, usedGrad) in results {
            #expect(unusedIsNil)
            #expect(usedGrad == [2, 2])
        }
    }

    @Test(arguments: paths) func aGradientMissingOnSomeRanksCountsAsZeros(sharedMemory: Bool) throws {
        let results = try onRanks(4) { comm -> [Float]? in
            let w = Tensor([0, 0], requiresGrad: true)
            let sync = GradientSync(parameters: [w], communicator: comm, sharedMemory: sharedMemory)
            // A stale gradient from an earlier step must not leak into this one.
            (w * 100).sum().backward()
            sync.synchronize()
            w.grad = nil
            if comm.rank == 1 || comm.rank == 3 { (w * Tensor([4, 8])).sum().backward() }
            sync.synchronize()
            return w.grad?.scalars
        }
        // (4 + 4) / 4 and (8 + 8) / 4 on every rank, including those that had no gradient.
        for grad in results { #expect(grad == [2, 4]) }
    }

    @Test func shardedTrainingMatchesOneProcessOnTheFullBatch() throws {
        let batch = 12, steps = 5, lr: Float = 0.2
        @Sendable func data(_ i: Int) -> ([Float], Int) {
            var g = RandomGenerator(seed: UInt64(i) &+ 99)
            let x = (0..<3).map { _ in g.nextUniform() * 2 - 1 }
            return (x, x[0] + x[1] > x[2] ? 1 : 0)
        }
        @Sendable func train(_ comm: any Communicator) -> [Float] {
            var generator = RandomGenerator(seed: 5)
            let model = Sequential(Linear(3, 8, using: &generator), ReLU(), Linear(8, 2, using: &generator))
            let params = model.parameters()
            let sync = GradientSync(parameters: params, communicator: comm, bucketCapacityBytes: 64)
            let n = comm.worldSize, per = batch / n
            for step in 0..<steps {
                let rows = (0..<per).map { data(step * batch + comm.rank + $0 * n) }
                for p in params { p.grad = nil }
                crossEntropy(model(Tensor(rows.flatMap(\.0), shape: [per, 3])), targets: rows.map(\.1)).backward()
                sync.synchronize()
                for p in params { for i in 0..<p.count { p.data[i] -= lr * p.grad!.data[i] } }
            }
            return params.flatMap(\.scalars)
        }
        let reference = train(LocalCommunicator())
        for worldSize in [2, 3] {
            let results = try onRanks(worldSize) { train($0) }
            for result in results {
                #expect(allClose(result, reference, rtol: 1e-5, atol: 1e-6))
                #expect(result == results[0])   // replicas are bitwise equal by design
            }
        }
    }
}
