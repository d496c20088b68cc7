import DDPTestSupport
import Foundation
import SwiftDDP
import Testing

/// What PyTorch Lightning 2.6 runs under fast_dev_run, overfit_batches, num_sanity_val_steps,
/// min_epochs / min_steps against a stop request and limit_test_batches, recorded by
/// Tests/Reference/lightning_run_controls.py.
private struct LightningRunControls: Decodable {
    struct Recipe: Decodable {
        let name: String
        let options: [String: OptionValue]
        let earlyStopping: Bool
        let test: Bool
        let stopAt: [Int]?
        let trainBatches: [[Int]]
        let validationRuns: [[Int]]
        let sanityBatches: Int
        let testBatches: Int
        let globalStep: Int
        let currentEpoch: Int
        let loggerCalls: Int
        let earlyStoppingChecks: Int

        func option(_ key: String) -> Double? { options[key]?.number }
        /// Batches trained in each epoch, in order.
        var batchesPerEpoch: [Int] {
            (0...(trainBatches.map { $0[0] }.max() ?? -1)).map { epoch in trainBatches.filter { $0[0] == epoch }.count }
        }
    }

    /// An option's value in the script: a number, or `true` for fast_dev_run.
    struct OptionValue: Decodable {
        let number: Double
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Bool.self) { number = flag ? 1 : 0 } else { number = try container.decode(Double.self) }
        }
    }

    let lightning: String
    let trainSamples: Int
    let validationSamples: Int
    let batchSize: Int
    let recipes: [Recipe]

    static func load() throws -> LightningRunControls {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Reference/run_controls.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(LightningRunControls.self, from: Data(contentsOf: url))
    }
}

/// What one replay ran, as the script records it.
private final class RunRecord: @unchecked Sendable {
    // Safe: each replay, on each rank, makes its own record and reads it after its run.
    var trainBatches: [[Int]] = []
    var validationRuns: [[Int]] = []
    var sanityBatches = 0
    var testBatches = 0
    var validated = 0
    var loggerCalls = 0
}

/// The script's module: one Linear on samples numbered 0, 1, ... (the number is the feature).
private final class RecordingModule: Module, TrainingModule {
    let layer: Linear
    let record: RunRecord
    override var namedChildren: [(String, Module)] { [("layer", layer)] }

    init(_ record: RunRecord) {
        var generator = RandomGenerator(seed: 3)
        layer = Linear(1, 1, using: &generator)
        self.record = record
    }

    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        record.trainBatches.append([trainer.currentEpoch, batchIndex, Int(batch.inputs.scalars[0])])
        let loss = mseLoss(layer(batch.inputs * (1 / 40)), batch.targets!)
        log("train_loss", loss)
        return loss
    }

    func onValidationEpochStart() throws { record.validated = 0 }

    func validationStep(_ batch: Batch, batchIndex: Int) throws {
        if trainer.sanityChecking { record.sanityBatches += 1 } else { record.validated += 1 }
        log("constant", 1.0)
    }

    func onValidationEpochEnd() throws {
        if !trainer.sanityChecking { record.validationRuns.append([trainer.currentEpoch, record.validated]) }
    }

    func testStep(_ batch: Batch, batchIndex: Int) throws {
        record.testBatches += 1
        log("test_constant", 1.0)
    }

    func configureOptimizers() throws -> OptimizerConfiguration {
        OptimizerConfiguration([OptimizerEntry(try SGD(parameters(), lr: 0.1))])
    }
}

private final class CountingLogger: MetricsLogger {
    let record: RunRecord
    init(_ record: RunRecord) { self.record = record }
    func record(_ record: MetricsRecord) throws { self.record.loggerCalls += 1 }
    func finish() throws {}
}

/// Asks the trainer to stop after training batch `batch` of epoch `epoch`.
private final class StopAtBatch: Callback {
    let epoch: Int, batch: Int
    init(epoch: Int, batch: Int) { (self.epoch, self.batch) = (epoch, batch) }
    func onTrainBatchEnd(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws {
        if trainer.currentEpoch == epoch && batchIndex == self.batch { trainer.shouldStop = true }
    }
}

/// Samples numbered `0..<count`, each its own feature and target / 40.
private func numberedSamples(_ count: Int) -> TensorDataset {
    let numbers = (0..<count).map(Float.init)
    return TensorDataset(inputs: Tensor(numbers, shape: [count, 1]), targets: Tensor(numbers.map { $0 / 40 }, shape: [count, 1]))
}

private struct Replay {
    let record: RunRecord
    let trainer: Trainer
    let earlyStopping: EarlyStopping
    let checkpointFiles: [String]
}

/// Replays `recipe` on this rank of `communicator`, with Lightning's global batches (each
/// rank reads its share of the script's batch), writing checkpoints to `folder`.
private func replay(_ recipe: LightningRunControls.Recipe, fixture: LightningRunControls, folder: String,
                    communicator: any Communicator) throws -> Replay {
    let record = RunRecord()
    let earlyStopping = EarlyStopping(monitor: "constant", patience: 1)
    var callbacks: [any Callback] = [ModelCheckpoint(directory: folder)]
    if recipe.earlyStopping { callbacks.append(earlyStopping) }
    if let stop = recipe.stopAt { callbacks.append(StopAtBatch(epoch: stop[0], batch: stop[1])) }
    func limit(_ key: String) -> BatchLimit? {
        recipe.option(key).map { $0 == $0.rounded() && $0 > 1 ? .count(Int($0)) : .fraction($0) }
    }
    let trainer = try Trainer(
        maxEpochs: recipe.option("max_epochs").map(Int.init) ?? 3, minEpochs: recipe.option("min_epochs").map(Int.init),
        minSteps: recipe.option("min_steps").map(Int.init), limitTestBatches: limit("limit_test_batches") ?? .all,
        fastDevRun: recipe.option("fast_dev_run").map(Int.init) ?? 0, overfitBatches: limit("overfit_batches"),
        numSanityValSteps: recipe.option("num_sanity_val_steps").map(Int.init) ?? 2, logEveryNSteps: 1,
        communicator: communicator, callbacks: callbacks, loggers: [CountingLogger(record)], enableProgressBar: false)
    let batchSize = fixture.batchSize / communicator.worldSize
    let module = RecordingModule(record)
    try trainer.fit(module, train: DataLoader(numberedSamples(fixture.trainSamples), batchSize: batchSize, shuffle: true),
                    validation: DataLoader(numberedSamples(fixture.validationSamples), batchSize: batchSize, shuffle: false))
    if recipe.test {
        try trainer.test(module, data: DataLoader(numberedSamples(fixture.validationSamples), batchSize: batchSize, shuffle: false))
    }
    let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return Replay(record: record, trainer: trainer, earlyStopping: earlyStopping, checkpointFiles: files)
}

/// Compares a replay on rank `rank` of `ranks` with Lightning's record.
private func expectLightningRuns(_ replay: Replay, _ recipe: LightningRunControls.Recipe, rank: Int, ranks: Int) {
    let label = "\(recipe.name), rank \(rank) of \(ranks)"
    let mine = replay.record
    let epochs = (0...(mine.trainBatches.map { $0[0] }.max() ?? -1)).map { epoch in mine.trainBatches.filter { $0[0] == epoch }.count }
    #expect(epochs == recipe.batchesPerEpoch, "\(label): batches per epoch")
    #expect(mine.trainBatches.map { Array($0.prefix(2)) } == recipe.trainBatches.map { Array($0.prefix(2)) }, "\(label): batch indices")
    #expect(mine.validationRuns == recipe.validationRuns, "\(label): validation runs")
    #expect(mine.sanityBatches == recipe.sanityBatches, "\(label): sanity batches")
    #expect(mine.testBatches == recipe.testBatches, "\(label): test batches")
    #expect(replay.trainer.globalStep == recipe.globalStep, "\(label): global step")
    #expect(replay.trainer.currentEpoch == recipe.currentEpoch, "\(label): current epoch")
    if recipe.option("overfit_batches") != nil {
        // Unshuffled: the global batch b holds samples 4b..4b+3, rank r reads every other one from r.
        #expect(mine.trainBatches.map { $0[2] } == recipe.trainBatches.map { $0[2] + rank }, "\(label): overfitting order")
    }
    if recipe.earlyStopping {
        // The first check sets the best value; each later one waits one more.
        #expect(replay.earlyStopping.waitCount == max(recipe.earlyStoppingChecks - 1, 0), "\(label): early-stopping checks")
    }
    if recipe.option("fast_dev_run") != nil {
        #expect(recipe.loggerCalls == 0 && mine.loggerCalls == 0, "\(label): fast_dev_run logs nothing")
        #expect(replay.earlyStopping.stoppedEpoch == nil && replay.earlyStopping.bestScore == .infinity, "\(label): no early stopping")
        // Lightning 2.6.6 writes last.ckpt at the end though it says checkpointing is suppressed; the trainer writes nothing.
        #expect(replay.checkpointFiles.isEmpty, "\(label): \(replay.checkpointFiles)")
    }
}

@Suite struct RunControlTests {
    static let recipeNames = ["fast_dev_run", "fast_dev_run_3", "overfit_count", "overfit_fraction", "sanity_default",
                              "sanity_all", "sanity_none", "early_stopping", "min_epochs", "min_steps_mid_epoch",
                              "stop_mid_epoch", "limit_test_batches"]

    @Test(arguments: recipeNames)
    func runsWhatLightningRunsOnOneRank(name: String) throws {
        let fixture = try LightningRunControls.load()
        let recipe = try #require(fixture.recipes.first { $0.name == name }, "no recorded recipe \(name)")
        let folder = try makeTemporaryFolder()
        expectLightningRuns(try replay(recipe, fixture: fixture, folder: folder, communicator: LocalCommunicator()),
                            recipe, rank: 0, ranks: 1)
    }

    @Test(arguments: recipeNames)
    func runsWhatLightningRunsOnTwoRanks(name: String) throws {
        let fixture = try LightningRunControls.load()
        let recipe = try #require(fixture.recipes.first { $0.name == name }, "no recorded recipe \(name)")
        let folder = try makeTemporaryFolder()
        let results = ThreadGroupCommunicator.run(worldSize: 2) { communicator in
            try replay(recipe, fixture: fixture, folder: folder, communicator: communicator)
        }
        for (rank, result) in results.enumerated() {
            expectLightningRuns(try result.get(), recipe, rank: rank, ranks: 2)
        }
    }

    @Test func theFixtureSaysWhichLightningMadeItAndEveryRecipeIsReplayed() throws {
        let fixture = try LightningRunControls.load()
        #expect(fixture.lightning.hasPrefix("2.6."))
        #expect(fixture.recipes.map(\.name) == Self.recipeNames)
        // A stop request waits for min_steps, and validation runs at the batch where training ends.
        let minSteps = try #require(fixture.recipes.first { $0.name == "min_steps_mid_epoch" })
        #expect(minSteps.batchesPerEpoch == [10, 5] && minSteps.validationRuns == [[0, 3], [1, 3]])
    }

    @Test func theSanityCheckLeavesTheRunUnchanged() throws {
        func weights(sanitySteps: Int) throws -> [Float] {
            let record = RunRecord()
            let module = RecordingModule(record)
            let trainer = try Trainer(maxEpochs: 2, numSanityValSteps: sanitySteps, seed: 4, communicator: LocalCommunicator(),
                                      enableProgressBar: false)
            try trainer.fit(module, train: DataLoader(numberedSamples(40), batchSize: 4, shuffle: true, seed: 2),
                            validation: DataLoader(numberedSamples(12), batchSize: 4, shuffle: false))
            #expect(record.sanityBatches == min(sanitySteps == -1 ? 3 : sanitySteps, 3))
            #expect(trainer.callbackMetrics["constant"] == 1.0 && trainer.validationBatchesSeen == 6)
            return module.parameters().flatMap(\.scalars)
        }
        let without = try weights(sanitySteps: 0)
        #expect(try weights(sanitySteps: 2) == without)
        #expect(try weights(sanitySteps: -1) == without)
    }

    @Test func theSanityCheckFindsABrokenValidationStepBeforeAnyTraining() throws {
        struct BrokenValidation: Error {}
        final class BrokenModule: Module, TrainingModule {
            let layer: Linear
            var trainedBatches = 0
            override var namedChildren: [(String, Module)] { [("layer", layer)] }
            override init() {
                var generator = RandomGenerator(seed: 3)
                layer = Linear(1, 1, using: &generator)
            }
            func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
                trainedBatches += 1
                return mseLoss(layer(batch.inputs), batch.targets!)
            }
            func validationStep(_ batch: Batch, batchIndex: Int) throws { throw BrokenValidation() }
            func configureOptimizers() throws -> OptimizerConfiguration {
                OptimizerConfiguration([OptimizerEntry(try SGD(parameters(), lr: 0.1))])
            }
        }
        for (sanitySteps, trainedFirst) in [(2, 0), (0, 10)] {
            let module = BrokenModule()
            let trainer = try Trainer(maxEpochs: 1, numSanityValSteps: sanitySteps, communicator: LocalCommunicator(), enableProgressBar: false)
            #expect(throws: BrokenValidation.self) {
                try trainer.fit(module, train: DataLoader(numberedSamples(40), batchSize: 4),
                                validation: DataLoader(numberedSamples(12), batchSize: 4, shuffle: false))
            }
            #expect(module.trainedBatches == trainedFirst, "numSanityValSteps \(sanitySteps)")
        }
    }

    @Test func badRunControlsAreRefused() {
        #expect(throws: TrainerError.self) { try Trainer(maxEpochs: 2, minEpochs: 3, communicator: LocalCommunicator()) }
        #expect(throws: TrainerError.self) { try Trainer(maxSteps: 2, minSteps: 3, communicator: LocalCommunicator()) }
        #expect(throws: TrainerError.self) { try Trainer(fastDevRun: -1, communicator: LocalCommunicator()) }
        #expect(throws: TrainerError.self) { try Trainer(numSanityValSteps: -2, communicator: LocalCommunicator()) }
        #expect(throws: TrainerError.self) { try Trainer(overfitBatches: .fraction(1.5), communicator: LocalCommunicator()) }
        #expect(throws: TrainerError.self) { try Trainer(maxTime: .seconds(-1), communicator: LocalCommunicator()) }
    }

    @Test func fastDevRunAndOverfitBatchesResolveTheLimitsAsLightningDoes() throws {
        let quick = try Trainer(maxEpochs: 9, maxSteps: 100, limitTrainBatches: 0.5, fastDevRun: 4, valCheckInterval: 0.25,
                                checkValEveryNEpoch: 3, communicator: LocalCommunicator())
        #expect(quick.maxEpochs == 1 && quick.maxSteps == 4 && quick.limitTrainBatches == .count(4)
                && quick.limitValBatches == .count(4) && quick.limitTestBatches == .count(4) && quick.numSanityValSteps == 0
                && quick.valCheckInterval == .fraction(1) && quick.checkValEveryNEpoch == 1)
        // overfit_batches keeps its limits under fast_dev_run.
        let both = try Trainer(fastDevRun: 2, overfitBatches: 3, communicator: LocalCommunicator())
        #expect(both.limitTrainBatches == .count(3) && both.limitValBatches == .count(3) && both.maxSteps == 2)
        // 0 is Lightning's "off".
        let off = try Trainer(limitTrainBatches: 5, overfitBatches: .fraction(0), communicator: LocalCommunicator())
        #expect(off.overfitBatches == nil && off.limitTrainBatches == .count(5))
        // With no epoch or step limit but a time limit, epochs are unlimited, as in Lightning.
        #expect(try Trainer(maxTime: .seconds(60), communicator: LocalCommunicator()).maxEpochs == Int.max)
        #expect(try Trainer(communicator: LocalCommunicator()).maxEpochs == 1000)
    }
}
