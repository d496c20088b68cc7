import Foundation
import SwiftDDP
import Testing

/// Counts the collectives that average gradients: float all-reduces, and reductions of the
/// shared-memory buffers that gradient sync uses instead when the ranks share a machine
/// (they bypass `allReduce`). Everything else is passed to `inner` unchanged.
private final class CountingCommunicator: Communicator {
    let inner: any Communicator
    let offersSharedMemory: Bool
    var floatAllReduces = 0
    var sharedReductions = 0
    /// Reductions started with `startAllReduceMean` (each also counts as a float all-reduce).
    var starts = 0

    init(_ inner: any Communicator, offersSharedMemory: Bool) {
        self.inner = inner
        self.offersSharedMemory = offersSharedMemory
    }

    var rank: Int { inner.rank }
    var worldSize: Int { inner.worldSize }
    var gradientCollectives: Int { floatAllReduces + sharedReductions }

    func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, _ operation: ReduceOperation) {
        floatAllReduces += 1
        inner.allReduce(buffer, operation)
    }
    func allReduce(_ buffer: UnsafeMutableBufferPointer<Double>, _ operation: ReduceOperation) {
        inner.allReduce(buffer, operation)
    }
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) { inner.broadcast(buffer, root: root) }
    func allGather(_ bytes: [UInt8]) -> [[UInt8]] { inner.allGather(bytes) }
    func barrier() { inner.barrier() }
    func makeSharedReductionBuffer(count: Int) -> (any SharedReductionBuffer)? {
        guard offersSharedMemory, let buffer = inner.makeSharedReductionBuffer(count: count) else { return nil }
        return CountingReductionBuffer(buffer, counter: self)
    }
    func abort(message: String, code: Int32) -> Never { inner.abort(message: message, code: code) }
    /// Blocking, through this communicator's own (counted) all-reduce.
    func startAllReduceMean(
        _ buffer: UnsafeMutableBufferPointer<Float>, into result: UnsafeMutableBufferPointer<Float>
    ) -> any PendingReduction {
        starts += 1
        result.baseAddress!.update(from: buffer.baseAddress!, count: buffer.count)
        allReduceMean(result)
        return CompletedStart()
    }
}

private final class CompletedStart: PendingReduction {
    func test() -> Bool { true }
    func wait() {}
}

private final class CountingReductionBuffer: SharedReductionBuffer {
    let inner: any SharedReductionBuffer
    unowned let counter: CountingCommunicator

    init(_ inner: any SharedReductionBuffer, counter: CountingCommunicator) {
        self.inner = inner
        self.counter = counter
    }

    var elements: UnsafeMutablePointer<Float> { inner.elements }
    var count: Int { inner.count }
    func sumOverRanks(prefix: Int, scale: Float) {
        counter.sharedReductions += 1
        inner.sumOverRanks(prefix: prefix, scale: scale)
    }
}

/// The gradient collectives of each training batch.
private final class CollectivesPerBatch: Callback {
    let counter: CountingCommunicator
    var counts: [Int] = []
    /// Per batch: the reductions started before backward returned.
    var startedInBackward: [Int] = []
    private var atStart = 0
    private var startsAtStart = 0
    init(_ counter: CountingCommunicator) { self.counter = counter }

    func onTrainBatchStart(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws {
        atStart = counter.gradientCollectives
        startsAtStart = counter.starts
    }
    func onAfterBackward(_ trainer: Trainer, _ module: any TrainingModule) throws {
        startedInBackward.append(counter.starts - startsAtStart)
    }
    func onTrainBatchEnd(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws {
        counts.append(counter.gradientCollectives - atStart)
    }
}

private final class SmallRegression: Module, TrainingModule {
    let layer: Linear
    override var namedChildren: [(String, Module)] { [("layer", layer)] }
    override init() {
        var generator = RandomGenerator(seed: 12)
        layer = Linear(3, 1, using: &generator)
    }
    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        mseLoss(layer(batch.inputs), batch.targets!)
    }
    func configureOptimizers() throws -> OptimizerConfiguration {
        OptimizerConfiguration(try SGD(parameters(), lr: 0.1))
    }
}

/// Gradient accumulation costs no communication: with `accumulateGradBatches` 3 and 7
/// batches per epoch, only the batches that close a window (2, 5 and the epoch's last, 6)
/// average gradients, once each (the model's gradients fill one bucket), whether the
/// ranks average through `allReduce` or through shared memory. Through `allReduce` (as
/// across machines), the closing batch's backward starts that reduction itself; the other
/// batches' backward passes start nothing.
@Suite struct GradientSyncCountTests {
    @Test(arguments: [false, true])
    func accumulationMicroBatchesStartNoGradientSync(sharedMemory: Bool) throws {
        let ranks = ThreadGroupCommunicator.run(worldSize: 2) { communicator in
            let counter = CountingCommunicator(communicator, offersSharedMemory: sharedMemory)
            let perBatch = CollectivesPerBatch(counter)
            var generator = RandomGenerator(seed: 13)
            let data = TensorDataset(inputs: Tensor.randn([14, 3], using: &generator), targets: Tensor.randn([14, 1], using: &generator))
            let trainer = try Trainer(maxEpochs: 2, accumulateGradBatches: 3, communicator: counter,
                                      callbacks: [perBatch], enableProgressBar: false)
            try trainer.fit(SmallRegression(), train: try DataLoader(data, batchSize: 1, shuffle: false))
            return (perBatch.counts, counter.floatAllReduces, counter.sharedReductions, trainer.globalStep,
                    perBatch.startedInBackward)
        }
        let closing: Set = [2, 5, 6]
        let expected = (0..<14).map { closing.contains($0 % 7) ? 1 : 0 }
        for (rank, result) in ranks.enumerated() {
            let (counts, allReduces, sharedReductions, globalStep, startedInBackward) = try result.get()
            #expect(startedInBackward == (sharedMemory ? Array(repeating: 0, count: 14) : expected),
                    "rank \(rank), shared memory \(sharedMemory): reductions started during backward \(startedInBackward)")
            #expect(counts == expected, "rank \(rank), shared memory \(sharedMemory): gradient collectives per batch \(counts)")
            #expect(globalStep == 6)
            // The path counted is the one taken: the other saw no gradient traffic during the batches.
            if sharedMemory { #expect(sharedReductions >= 6) } else { #expect(sharedReductions == 0 && allReduces >= 6) }
        }
    }
}
