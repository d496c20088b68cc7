import Foundation
import SwiftDDP
import Testing

/// Per rank and per training batch, BatchNorm's running statistics, its batch count and the
/// parameters of a small regression trained by PyTorch Lightning 2.6 with DDP on 2 CPU
/// processes (gloo), and by one Lightning process on the global batches (what
/// `sync_batchnorm=True` computes; torch refuses SyncBatchNorm on the CPU), recorded by
/// Tests/Reference/lightning_batchnorm_ddp.py.
private struct LightningBatchNormTraces: Decodable {
    struct Batch: Decodable {
        let epoch: Int
        let batch: Int
        let globalStep: Int
        /// The indices of the samples this rank trained on.
        let samples: [Int]?
        let runningMean: [Double]
        let runningVar: [Double]
        let numBatchesTracked: Int
        let parameters: [Double]
    }
    struct Recipe: Decodable {
        let worldSize: Int
        let batchSize: Int
        let maxEpochs: Int
        let inputs: [[Double]]
        let targets: [[Double]]
        let initial: [[Double]]
        /// Per Lightning rank, its trace.
        let ranks: [[Batch]]
    }
    let lightning: String
    let backend: String
    let recipes: [String: Recipe]

    static func load() throws -> LightningBatchNormTraces {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Reference/batchnorm_ddp_traces.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(LightningBatchNormTraces.self, from: Data(contentsOf: url))
    }
}

private func tensor(_ rows: [[Double]]) -> Tensor {
    Tensor(rows.joined().map(Float.init), shape: [rows.count, rows.first?.count ?? 0])
}

/// The script's model: `Linear(3, 4)`, `BatchNorm1d(4)`, ReLU, `Linear(4, 1)`, mean squared
/// error, SGD with momentum; it records its trace at each batch's end.
private final class BatchNormRegression: Module, TrainingModule {
    let first: Linear
    let norm: BatchNorm1d
    let second: Linear
    var trace: [LightningBatchNormTraces.Batch] = []
    override var namedChildren: [(String, Module)] { [("first", first), ("norm", norm), ("second", second)] }

    init(initial: [[Double]]) {
        var generator = RandomGenerator(seed: 0)
        first = Linear(3, 4, using: &generator)
        norm = BatchNorm1d(4)
        second = Linear(4, 1, using: &generator)
        super.init()
        for (parameter, values) in zip(parameters(), initial) {
            parameter.assign(Tensor(values.map(Float.init), shape: parameter.shape))
        }
    }

    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        mseLoss(second(norm(first(batch.inputs)).relu()), batch.targets!)
    }

    func onTrainBatchEnd(_ batch: Batch, batchIndex: Int) throws {
        trace.append(.init(
            epoch: trainer.currentEpoch, batch: batchIndex, globalStep: trainer.globalStep, samples: nil,
            runningMean: norm.runningMean!.scalars.map(Double.init), runningVar: norm.runningVariance!.scalars.map(Double.init),
            numBatchesTracked: Int(norm.batchesTracked!.scalars[0]),
            parameters: parameters().flatMap { $0.scalars.map(Double.init) }))
    }

    func configureOptimizers() throws -> OptimizerConfiguration {
        OptimizerConfiguration(try SGD(parameters(), lr: 0.1, momentum: 0.9))
    }
}

/// Trains the recorded data on this rank of `communicator`, `perRank` samples per rank and batch.
private func replay(_ recipe: LightningBatchNormTraces.Recipe, perRank: Int, syncBatchNorm: Bool,
                    communicator: any Communicator) throws -> [LightningBatchNormTraces.Batch] {
    let data = TensorDataset(inputs: tensor(recipe.inputs), targets: tensor(recipe.targets))
    let trainer = try Trainer(maxEpochs: recipe.maxEpochs, communicator: communicator, enableProgressBar: false,
                              syncBatchNorm: syncBatchNorm)
    let model = BatchNormRegression(initial: recipe.initial)
    try trainer.fit(model, train: try DataLoader(data, batchSize: perRank, shuffle: false))
    return model.trace
}

/// Relative 1e-5, with an absolute floor of 1e-6: float32 arithmetic in another order than torch's.
private func close(_ mine: [Double], _ theirs: [Double]) -> Bool {
    mine.count == theirs.count && zip(mine, theirs).allSatisfy { abs($0 - $1) <= 1e-5 * abs($1) + 1e-6 }
}

private func expectSameTrace(_ mine: [LightningBatchNormTraces.Batch], as theirs: [LightningBatchNormTraces.Batch],
                             buffers: Bool = true, _ label: String) {
    #expect(mine.count == theirs.count, "\(label): \(mine.count) batches, Lightning \(theirs.count)")
    for (mine, theirs) in zip(mine, theirs) {
        let place = "\(label), epoch \(theirs.epoch) batch \(theirs.batch)"
        #expect(mine.epoch == theirs.epoch && mine.batch == theirs.batch && mine.globalStep == theirs.globalStep,
                "\(place): got epoch \(mine.epoch) batch \(mine.batch) step \(mine.globalStep)")
        #expect(close(mine.parameters, theirs.parameters), "\(place): parameters \(mine.parameters), Lightning \(theirs.parameters)")
        guard buffers else { continue }
        #expect(close(mine.runningMean, theirs.runningMean), "\(place): running_mean \(mine.runningMean), Lightning \(theirs.runningMean)")
        #expect(close(mine.runningVar, theirs.runningVar), "\(place): running_var \(mine.runningVar), Lightning \(theirs.runningVar)")
        #expect(mine.numBatchesTracked == theirs.numBatchesTracked,
                "\(place): num_batches_tracked \(mine.numBatchesTracked), Lightning \(theirs.numBatchesTracked)")
    }
}

/// BatchNorm under 2 processes against Lightning: the parameters, and the running statistics
/// every rank holds (rank 0's, as DDP's `broadcast_buffers` makes them); and
/// `syncBatchNorm` on 2 ranks, and plain BatchNorm on 1 rank, against Lightning on the
/// global batches.
@Suite struct BatchNormTraceTests {
    /// DDP copies rank 0's buffers to every rank before each forward, the trainer after each
    /// batch: after a batch every rank here holds what Lightning's rank 0 holds (Lightning's
    /// rank 1 holds its own update until the next forward); the parameters are the same on
    /// every rank in both.
    @Test func buffersOfEveryRankAreLightningRankZerosUnderDDP() throws {
        let recipe = try #require(try LightningBatchNormTraces.load().recipes["broadcast_buffers"])
        #expect(recipe.ranks.count == 2)
        let ranks = ThreadGroupCommunicator.run(worldSize: 2) { communicator in
            try replay(recipe, perRank: recipe.batchSize, syncBatchNorm: false, communicator: communicator)
        }
        for (rank, result) in ranks.enumerated() {
            let trace = try result.get()
            expectSameTrace(trace, as: recipe.ranks[0], "broadcast_buffers, rank \(rank) of 2")
            expectSameTrace(trace, as: recipe.ranks[1], buffers: false, "broadcast_buffers, rank \(rank) of 2 against Lightning's rank 1")
        }
    }

    @Test func syncBatchNormOnTwoRanksIsLightningOnTheGlobalBatch() throws {
        let recipe = try #require(try LightningBatchNormTraces.load().recipes["global_batch"])
        let ranks = ThreadGroupCommunicator.run(worldSize: 2) { communicator in
            try replay(recipe, perRank: recipe.batchSize / 2, syncBatchNorm: true, communicator: communicator)
        }
        for (rank, result) in ranks.enumerated() {
            expectSameTrace(try result.get(), as: recipe.ranks[0], "sync batch norm, rank \(rank) of 2")
        }
    }

    @Test func oneRankIsLightningOnTheGlobalBatch() throws {
        let recipe = try #require(try LightningBatchNormTraces.load().recipes["global_batch"])
        let trace = try replay(recipe, perRank: recipe.batchSize, syncBatchNorm: false, communicator: LocalCommunicator())
        expectSameTrace(trace, as: recipe.ranks[0], "global batch, 1 rank")
    }

    @Test func fixturesSayWhichLightningMadeThem() throws {
        let traces = try LightningBatchNormTraces.load()
        #expect(traces.lightning.hasPrefix("2.6.") && traces.backend == "gloo")
        #expect(Set(traces.recipes.keys) == ["broadcast_buffers", "global_batch"])
        // Lightning's ranks part between forwards: a replay that only matched rank 1 would show.
        let ranks = try #require(traces.recipes["broadcast_buffers"]).ranks
        #expect(!close(ranks[0][0].runningMean, ranks[1][0].runningMean))
        // Each Lightning rank read the samples the trainer's sampler gives that rank.
        for (rank, trace) in ranks.enumerated() {
            let sampler = DistributedSampler(datasetCount: 16, rank: rank, worldSize: 2, shuffle: false)
            for epoch in 0..<2 {
                let read = trace.filter { $0.epoch == epoch }.flatMap { $0.samples ?? [] }
                #expect(read == sampler.indices(epoch: epoch), "Lightning's rank \(rank), epoch \(epoch): \(read)")
            }
        }
    }
}
