import Foundation
import SwiftDDP
import Testing

/// A classifier with dropout: every training step draws a mask from the rank's stream.
private final class DropoutClassifier: Module, TrainingModule {
    let net: Sequential
    override var namedChildren: [(String, Module)] { [("net", net)] }

    init(seed: UInt64) {
        var generator = RandomGenerator(seed: seed)
        net = Sequential(Linear(6, 32, using: &generator), ReLU(), Dropout(0.5), Linear(32, 3, using: &generator))
    }

    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        crossEntropy(net(batch.inputs), targets: batch.labels)
    }

    func configureOptimizers() throws -> OptimizerConfiguration {
        OptimizerConfiguration(try SGD(parameters(), lr: 0.1, momentum: 0.9))
    }
}

/// Trains a ``DropoutClassifier`` for a few epochs and returns its final parameters.
private func trainWithDropout(seed: UInt64) throws -> [Float] {
    // Long enough (a few thousand masks) that two runs started together overlap.
    var generator = RandomGenerator(seed: 100 + seed)
    let inputs = Tensor.randn([384, 6], using: &generator)
    let labels = (0..<384).map { $0 % 3 }
    let model = DropoutClassifier(seed: seed)
    let trainer = try Trainer(maxEpochs: 12, seed: seed, communicator: LocalCommunicator(), enableProgressBar: false)
    try trainer.fit(model, train: DataLoader(TensorDataset(inputs: inputs, labels: labels), batchSize: 8, seed: seed))
    return model.parameters().flatMap(\.scalars)
}

/// Results written by one thread each and read after they have finished.
private final class ThreadResults: @unchecked Sendable {
    // Safe: `parameters` is only touched under `lock` (two threads writing different slots
    // of one array still race on the array itself).
    private let lock = NSLock()
    private var parameters: [Result<[Float], any Error>?] = [nil, nil]
    let finished = DispatchGroup()

    func set(_ index: Int, _ result: Result<[Float], any Error>) { lock.withLock { parameters[index] = result } }
    func get(_ index: Int) -> Result<[Float], any Error>? { lock.withLock { parameters[index] } }
}

@Suite struct RandomStreamTests {
    /// Each trainer owns its random stream, so two runs at the same time in one process
    /// draw exactly the dropout masks that each draws alone.
    @Test func twoRunsSideBySideGiveTheNumbersOfEachAlone() throws {
        let alone = [try trainWithDropout(seed: 1), try trainWithDropout(seed: 2)]
        #expect(alone[0] != alone[1])

        let results = ThreadResults()
        for index in 0..<2 {
            results.finished.enter()
            let thread = Thread {
                results.set(index, Result { try trainWithDropout(seed: UInt64(index + 1)) })
                results.finished.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        results.finished.wait()
        for index in 0..<2 {
            let sideBySide = try #require(results.get(index)).get()
            let identical = sideBySide == alone[index]
            #expect(identical, "run \(index + 1) drew other numbers beside another run")
        }
    }

    @Test func aTrainersStreamIsCurrentOnlyWhileItRunsTheModule() throws {
        #expect(RandomStream.current == nil)
        let stream = RandomStream(seed: 5)
        var expected = RandomGenerator(seed: 5)
        var inputs = RandomGenerator(seed: 6)
        let x = Tensor.randn([200], using: &inputs)
        let dropped = stream.makeCurrent { Dropout(0.5)(x) }
        #expect(dropped.scalars == x.dropout(p: 0.5, training: true, using: &expected).scalars)
        #expect(stream.generator == expected)
        #expect(RandomStream.current == nil)
    }

    @Test func ranksDrawFromDifferentStreamsAndTheSeedFixesThem() throws {
        func rankStreams() throws -> [RandomGenerator] {
            try ThreadGroupCommunicator.run(worldSize: 2) { try Trainer(seed: 3, communicator: $0).randomStream.generator }
                .map { try $0.get() }
        }
        let streams = try rankStreams()
        #expect(streams[0] != streams[1])
        #expect(try rankStreams() == streams)
    }
}
