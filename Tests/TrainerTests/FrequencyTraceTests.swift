import Foundation
import SwiftDDP
import Testing

/// Per batch, which optimizer PyTorch Lightning 1.9.5 stepped and every optimizer's lr after
/// the batch, recorded by Tests/Reference/lightning_frequency_traces.py.
private struct LightningFrequencyTraces: Decodable {
    struct Recipe: Decodable {
        struct OptimizerRecipe: Decodable {
            let lr: Double
            let frequency: Int?
            let scheduler: SchedulerRecipe?
        }
        struct SchedulerRecipe: Decodable {
            let gamma: Double
            let interval: String
            let frequency: Int
        }
        struct Batch: Decodable, Equatable {
            let epoch: Int
            let batch: Int
            let stepped: [Int]
            let lrs: [Double]
        }
        let epochs: Int
        let accumulateGradBatches: Int
        let batchesPerEpoch: Int
        let optimizers: [OptimizerRecipe]
        let trace: [Batch]
    }
    let lightning: String
    let recipes: [String: Recipe]

    static func load() throws -> LightningFrequencyTraces {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Reference/frequency_traces.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(LightningFrequencyTraces.self, from: Data(contentsOf: url))
    }
}

private let recipeNames = [
    "frequencies_1_2", "frequencies_1_2_accumulate_2", "step_scheduler_frequency_3_accumulate_2",
    "frequencies_1_2_step_schedulers", "frequencies_1_2_epoch_schedulers",
]

/// One `Linear(2, 1)` per optimizer, each with plain SGD: only the trainer's decisions matter.
private final class FrequencyRecipeModel: Module, TrainingModule {
    let layers: [Linear]
    let recipe: LightningFrequencyTraces.Recipe
    override var namedChildren: [(String, Module)] { layers.enumerated().map { ("layer\($0.offset)", $0.element) } }

    init(_ recipe: LightningFrequencyTraces.Recipe) {
        var generator = RandomGenerator(seed: 3)
        layers = recipe.optimizers.map { _ in Linear(2, 1, using: &generator) }
        self.recipe = recipe
    }

    func trainingStep(_ batch: Batch, batchIndex: Int, optimizerIndex: Int) throws -> Tensor? {
        let output = layers[optimizerIndex](batch.inputs)
        return (output * output).mean()
    }

    func configureOptimizers() throws -> OptimizerConfiguration {
        let entries = try zip(layers, recipe.optimizers).map { layer, given in
            let optimizer = try SGD(layer.parameters(), lr: given.lr)
            let scheduler = try given.scheduler.map {
                SchedulerConfiguration(try StepLR(optimizer, stepSize: 1, gamma: $0.gamma),
                                       interval: $0.interval == "step" ? .step : .epoch, frequency: $0.frequency)
            }
            return OptimizerEntry(optimizer, frequency: given.frequency, scheduler: scheduler)
        }
        return OptimizerConfiguration(entries)
    }
}

/// Records the trace as the script does: the optimizers that stepped during a batch, and
/// the lrs at the next batch's start (or the fit's end), so scheduler steps made between
/// two batches belong to the earlier one.
private final class TraceRecorder: Callback {
    var trace: [LightningFrequencyTraces.Recipe.Batch] = []
    private var pending: (epoch: Int, batch: Int, stepCounts: [Int])?
    private var stepped: [Int] = []

    func onTrainBatchStart(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws {
        closePending(trainer)
        pending = (trainer.currentEpoch, batchIndex, trainer.optimizers.map(\.stepCount))
    }

    func onTrainBatchEnd(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws {
        guard let pending else { return }
        stepped = trainer.optimizers.indices.filter { trainer.optimizers[$0].stepCount > pending.stepCounts[$0] }
    }

    func closePending(_ trainer: Trainer) {
        guard let pending else { return }
        trace.append(.init(epoch: pending.epoch, batch: pending.batch, stepped: stepped,
                           lrs: trainer.optimizers.map { $0.paramGroups[0].lr }))
        self.pending = nil
    }
}

/// Replays `recipe` through `Trainer` on this rank of `communicator`.
private func replay(_ recipe: LightningFrequencyTraces.Recipe,
                    communicator: any Communicator) throws -> [LightningFrequencyTraces.Recipe.Batch] {
    var generator = RandomGenerator(seed: 4)
    let samples = recipe.batchesPerEpoch * communicator.worldSize
    let data = TensorDataset(inputs: Tensor.randn([samples, 2], using: &generator),
                             targets: Tensor.randn([samples, 1], using: &generator))
    let recorder = TraceRecorder()
    let trainer = try Trainer(maxEpochs: recipe.epochs, accumulateGradBatches: recipe.accumulateGradBatches,
                              communicator: communicator, callbacks: [recorder], enableProgressBar: false)
    try trainer.fit(FrequencyRecipeModel(recipe), train: DataLoader(data, batchSize: 1))
    recorder.closePending(trainer)
    return recorder.trace
}

private func expectSameTrace(_ actual: [LightningFrequencyTraces.Recipe.Batch],
                             as recorded: [LightningFrequencyTraces.Recipe.Batch], _ label: String) {
    #expect(actual.count == recorded.count, "\(label): \(actual.count) batches, Lightning \(recorded.count)")
    for (mine, theirs) in zip(actual, recorded) {
        let place = "\(label), epoch \(theirs.epoch) batch \(theirs.batch)"
        #expect(mine.epoch == theirs.epoch && mine.batch == theirs.batch, "\(place): got epoch \(mine.epoch) batch \(mine.batch)")
        #expect(mine.stepped == theirs.stepped, "\(place): stepped \(mine.stepped), Lightning \(theirs.stepped)")
        #expect(mine.lrs.count == theirs.lrs.count, "\(place): \(mine.lrs.count) lrs, Lightning \(theirs.lrs.count)")
        for (lr, expected) in zip(mine.lrs, theirs.lrs) {
            #expect(abs(lr - expected) <= 1e-9 * abs(expected), "\(place): lrs \(mine.lrs), Lightning \(theirs.lrs)")
        }
    }
}

/// Optimizer `frequency` and scheduler `frequency`: the
/// trainer picks the optimizer and steps schedulers at the same batches as Lightning 1.9.5.
@Suite struct FrequencyTraceTests {
    @Test(arguments: recipeNames)
    func matchesLightningOnOneRank(name: String) throws {
        let recipe = try #require(try LightningFrequencyTraces.load().recipes[name], "no recorded recipe \(name)")
        expectSameTrace(try replay(recipe, communicator: LocalCommunicator()), as: recipe.trace, "\(name), 1 rank")
    }

    @Test(arguments: recipeNames)
    func matchesLightningOnTwoRanks(name: String) throws {
        let recipe = try #require(try LightningFrequencyTraces.load().recipes[name], "no recorded recipe \(name)")
        let ranks = ThreadGroupCommunicator.run(worldSize: 2) { communicator in
            try replay(recipe, communicator: communicator)
        }
        for (rank, result) in ranks.enumerated() {
            expectSameTrace(try result.get(), as: recipe.trace, "\(name), rank \(rank) of 2")
        }
    }

    @Test func fixturesSayWhichLightningMadeThemAndEveryRecipeIsReplayed() throws {
        let traces = try LightningFrequencyTraces.load()
        #expect(traces.lightning == "1.9.5")
        #expect(Set(traces.recipes.keys) == Set(recipeNames))
    }
}
