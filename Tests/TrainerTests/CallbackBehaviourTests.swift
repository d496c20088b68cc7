import DDPTestSupport
import Foundation
import SwiftDDP
import Testing

/// A manual-optimization regression, to show which callbacks refuse manual optimization.
private final class ManualRegression: Module, TrainingModule {
    let linear: Linear
    override var namedChildren: [(String, Module)] { [("linear", linear)] }
    var automaticOptimization: Bool { false }

    override init() {
        var generator = RandomGenerator(seed: 1)
        linear = Linear(3, 1, using: &generator)
    }

    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let optimizer: ManagedOptimizer = optimizers()
        optimizer.zeroGrad()
        try manualBackward(mseLoss(linear(batch.inputs), batch.targets!))
        try optimizer.step()
        return nil
    }

    func configureOptimizers() throws -> OptimizerConfiguration { OptimizerConfiguration(try SGD(parameters(), lr: 0.1)) }
}

/// Logs known values on every rank: batch `b` of rank `r` logs `10 r + b + 1`.
private final class RankValueLogger: Module, TrainingModule {
    let linear: Linear
    override var namedChildren: [(String, Module)] { [("linear", linear)] }

    override init() {
        var generator = RandomGenerator(seed: 2)
        linear = Linear(3, 1, using: &generator)
    }

    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let value = Double(10 * trainer.rank + batchIndex + 1)
        for reduceFx in ReduceFx.allCases {
            log(reduceFx.rawValue, value, onStep: true, onEpoch: true, syncDist: true, reduceFx: reduceFx)
        }
        logDict(["local_sum": value], onStep: false, onEpoch: true, reduceFx: .sum)
        log("rank_zero", value + 100, onStep: false, onEpoch: true, rankZeroOnly: true)
        return mseLoss(linear(batch.inputs), batch.targets!)
    }

    func configureOptimizers() throws -> OptimizerConfiguration { OptimizerConfiguration(try SGD(parameters(), lr: 0.1)) }
}

private func regressionData(count: Int) -> TensorDataset {
    var generator = RandomGenerator(seed: 3)
    return TensorDataset(inputs: Tensor.randn([count, 3], using: &generator), targets: Tensor.randn([count, 1], using: &generator))
}

private func refusal(_ body: () throws -> Void) -> String {
    do {
        try body()
        return "no error"
    } catch {
        return "\(error)"
    }
}

@Suite struct CallbackBehaviourTests {
    @Test func gradientAccumulationSchedulerFactorsByEpoch() throws {
        let scheduler = try GradientAccumulationScheduler(scheduling: [4: 2, 8: 4])
        #expect([0, 3, 4, 7, 8, 20].map { scheduler.accumulateGradBatches(epoch: $0) } == [1, 1, 2, 2, 4, 4])
        #expect(scheduler.scheduling == [0: 1, 4: 2, 8: 4])
        #expect(refusal { _ = try GradientAccumulationScheduler(scheduling: [:]) }.contains("needs a schedule"))
        #expect(refusal { _ = try GradientAccumulationScheduler(scheduling: [-1: 2]) }.contains("cannot be negative"))
        #expect(refusal { _ = try GradientAccumulationScheduler(scheduling: [2: 0]) }.contains("at least 1"))
    }

    /// As Lightning: refused with the trainer's own accumulation and with manual optimization.
    @Test func gradientAccumulationSchedulerRefusals() throws {
        let loader = try DataLoader(regressionData(count: 8), batchSize: 2, shuffle: false)
        let withAccumulation = try Trainer(maxEpochs: 1, accumulateGradBatches: 2,
                                           communicator: LocalCommunicator(),
                                           callbacks: [try GradientAccumulationScheduler(scheduling: [1: 2])], enableProgressBar: false)
        let message = refusal { try withAccumulation.fit(AutomaticRegression(), train: loader) }
        #expect(message.contains("either remove accumulateGradBatches from the Trainer or remove the callback"), "\(message)")

        let manual = try Trainer(maxEpochs: 1, communicator: LocalCommunicator(),
                                 callbacks: [try GradientAccumulationScheduler(scheduling: [1: 2])], enableProgressBar: false)
        let manualMessage = refusal { try manual.fit(ManualRegression(), train: loader) }
        #expect(manualMessage.contains("not supported for manual optimization"), "\(manualMessage)")
    }

    /// A run resumed mid-epoch (epoch 1 from batch 6, after step 10) accumulates as the uninterrupted one:
    /// it ends with Lightning's parameters.
    @Test func gradientAccumulationSchedulerResumesExactly() throws {
        let recipe = try LightningCallbackRecipes.recipe("accumulation_scheduler")
        let folder = try makeTemporaryFolder()
        let saver = ModelCheckpoint(directory: folder, saveTopK: -1, everyNTrainSteps: 5)
        _ = try replayCallbackRecipe(recipe, communicator: LocalCommunicator(), extraCallbacks: [saver])
        let resumed = try replayCallbackRecipe(recipe, communicator: LocalCommunicator(),
                                               checkpoint: folder + "/epoch=1-step=10.safetensors")
        #expect(resumed.model.trace.first.map { ($0.epoch, $0.batch) } ?? (0, 0) == (1, 6))
        #expect(closeToLightning(resumed.model.linearParameters, recipe.finalParameters),
                "resumed \(resumed.model.linearParameters), Lightning \(recipe.finalParameters)")
    }

    /// A checkpoint from before averaging resumes to Lightning's result; one from after is
    /// refused with one line, since checkpoints do not keep the averaged weights.
    @Test func stochasticWeightAveragingResumesOnlyBeforeAveraging() throws {
        let recipe = try LightningCallbackRecipes.recipe("swa_linear_replaces_step_lr")
        let folder = try makeTemporaryFolder()
        let saver = ModelCheckpoint(directory: folder, saveTopK: -1, everyNEpochs: 1)
        _ = try replayCallbackRecipe(recipe, communicator: LocalCommunicator(), extraCallbacks: [saver])
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        let first = try #require(names.first { $0.hasPrefix("epoch=0-") })
        let later = try #require(names.first { $0.hasPrefix("epoch=2-") })
        let resumed = try replayCallbackRecipe(recipe, communicator: LocalCommunicator(), checkpoint: folder + "/" + first)
        #expect(closeToLightning(resumed.model.linearParameters, recipe.finalParameters),
                "resumed \(resumed.model.linearParameters), Lightning \(recipe.finalParameters)")
        let message = refusal { _ = try replayCallbackRecipe(recipe, communicator: LocalCommunicator(), checkpoint: folder + "/" + later) }
        #expect(message.contains("after stochastic weight averaging started"), "\(message)")
        #expect(!message.contains("\n"))
    }

    /// Resumed at step 8 (epoch 1, batch 3), the epoch's sum, maximum, minimum and weighted
    /// mean continue from the checkpoint's accumulators and end at Lightning's values.
    @Test func reduceFxAccumulatorsResumeMidEpoch() throws {
        let recipe = try LightningCallbackRecipes.recipe("log_reduce_fx")
        let folder = try makeTemporaryFolder()
        let saver = ModelCheckpoint(directory: folder, saveTopK: -1, everyNTrainSteps: 4)
        _ = try replayCallbackRecipe(recipe, communicator: LocalCommunicator(), extraCallbacks: [saver])
        let resumed = try replayCallbackRecipe(recipe, communicator: LocalCommunicator(),
                                               checkpoint: folder + "/epoch=1-step=8.safetensors")
        #expect(resumed.model.trace.first.map { ($0.epoch, $0.batch) } ?? (0, 0) == (1, 3))
        for name in ["loss_mean", "loss_sum", "loss_max_epoch", "loss_min"] {
            let theirs = recipe.logged.compactMap { $0.metrics[name] }.last
            let mine = resumed.trainer.loggedEvents.flatMap(\.values).last { $0.name == name }?.value
            #expect(theirs.map { isClose(mine, to: $0, relative: 1e-5) } == true, "\(name): \(mine ?? .nan), Lightning \(theirs ?? .nan)")
        }
    }

    /// With BatchNorm on 2 ranks, the recomputed statistics and the averaged weights are the
    /// same on both ranks (rank 0's statistics, from its share of the data).
    @Test func stochasticWeightAveragingWithBatchNormIsIdenticalOnTwoRanks() throws {
        let recipe = try LightningCallbackRecipes.recipe("swa_batch_norm")
        let results = ThreadGroupCommunicator.run(worldSize: 2) { communicator in
            let run = try replayCallbackRecipe(recipe, communicator: communicator)
            return run.model.stateDict().flatMap { $0.tensor.scalars }
        }
        let states = try results.map { try $0.get() }
        #expect(states.count == 2 && states[0] == states[1], "rank 0 \(states.first ?? []), rank 1 \(states.last ?? [])")
    }

    @Test func stochasticWeightAveragingRefusals() throws {
        #expect(refusal { _ = try StochasticWeightAveraging(swaLRs: [0.1], swaEpochStart: 0) }.contains(">0 integer"))
        #expect(refusal { _ = try StochasticWeightAveraging(swaLRs: [0.1], swaEpochStart: 1.5) }.contains("between 0 and 1"))
        #expect(refusal { _ = try StochasticWeightAveraging(swaLRs: [-0.1]) }.contains("positive"))
        let loader = try DataLoader(regressionData(count: 8), batchSize: 2, shuffle: false)
        let stepsOnly = try Trainer(maxSteps: 4, communicator: LocalCommunicator(),
                                    callbacks: [try StochasticWeightAveraging(swaLRs: [0.1], swaEpochStart: 0.5)], enableProgressBar: false)
        #expect(refusal { try stepsOnly.fit(AutomaticRegression(), train: loader) }.contains("needs maxEpochs"))
        let manual = try Trainer(maxEpochs: 2, communicator: LocalCommunicator(),
                                 callbacks: [try StochasticWeightAveraging(swaLRs: [0.1])], enableProgressBar: false)
        #expect(refusal { try manual.fit(ManualRegression(), train: loader) }.contains("needs automatic optimization"))
    }

    /// Batch b of rank r logs 10 r + b + 1 (rank 0: 1, 2; rank 1: 11, 12), with batches of
    /// 2 samples on each rank: each reduction over steps and ranks, as Lightning forms it.
    @Test func reduceFxAndRankZeroOnlyOverTwoRanks() throws {
        let results = ThreadGroupCommunicator.run(worldSize: 2) { communicator in
            let trainer = try Trainer(maxEpochs: 1, logEveryNSteps: 1, communicator: communicator, enableProgressBar: false)
            try trainer.fit(RankValueLogger(), train: DataLoader(regressionData(count: 8), batchSize: 2, shuffle: false))
            return trainer.callbackMetrics
        }
        for (rank, result) in results.enumerated() {
            let metrics = try result.get()
            let expected: [String: Double] = [
                "mean_step": 7, "mean_epoch": 6.5, "sum_step": 14, "sum_epoch": 26,
                "max_step": 12, "max_epoch": 12, "min_step": 2, "min_epoch": 1,
                "local_sum": rank == 0 ? 3 : 23,
            ]
            for (name, value) in expected {
                #expect(metrics[name].map { isClose($0, to: value, relative: 1e-12) } == true,
                        "rank \(rank): \(name) = \(metrics[name] ?? .nan), expected \(value)")
            }
            // Logged by rank 0 alone, never synced: the other rank does not have it.
            let rankZero = metrics["rank_zero"]
            #expect(rank == 0 ? isClose(rankZero, to: 101.5) : rankZero == nil, "rank \(rank): rank_zero = \(String(describing: rankZero))")
        }
    }

    /// The table of a known model, as Lightning's `_format_summary_table` prints it for the
    /// same layers (its FLOPs column and line left out); counts from the shapes by hand.
    @Test func modelSummaryTable() throws {
        final class Net: Module {
            let encoder: Sequential
            let head: Linear
            override var namedChildren: [(String, Module)] { [("encoder", encoder), ("head", head)] }
            override init() {
                var generator = RandomGenerator(seed: 4)
                encoder = Sequential(Linear(4, 8, using: &generator), BatchNorm1d(8), Linear(8, 3, using: &generator))
                head = Linear(3, 1, using: &generator)
            }
        }
        let net = Net()
        net.head.weight.requiresGrad = false
        net.head.eval()
        // Linear(4, 8): 32 + 8; BatchNorm1d(8): 8 + 8; Linear(8, 3): 24 + 3; Linear(3, 1): 3 + 1 (3 frozen).
        let counts = [32 + 8 + 8 + 8 + 24 + 3, 32 + 8, 8 + 8, 24 + 3, 3 + 1]
        #expect(ModelSummary.rows(of: net, maxDepth: -1).map(\.parameters) == counts)
        #expect(ModelSummary.rows(of: net).map(\.name) == ["encoder", "head"])
        let expected = """
              | Name      | Type        | Params | Mode 
            --------------------------------------------------
            0 | encoder   | Sequential  | 83     | train
            1 | encoder.0 | Linear      | 40     | train
            2 | encoder.1 | BatchNorm1d | 16     | train
            3 | encoder.2 | Linear      | 27     | train
            4 | head      | Linear      | 4      | eval 
            --------------------------------------------------
            84        Trainable params
            3         Non-trainable params
            87        Total params
            0.000     Total estimated model params size (MB)
            4         Modules in train mode
            1         Modules in eval mode
            """
        #expect(ModelSummary.table(of: net, maxDepth: 2) == expected, "\(ModelSummary.table(of: net, maxDepth: 2))")
    }

    /// Lightning's `get_human_readable_count` for the same numbers.
    @Test func modelSummaryCountsReadAsLightningsDo() {
        let numbers = [0, 7, 999, 1000, 1100, 1049, 101_000, 12_300_000, 1_234_000_000_000_000]
        #expect(numbers.map(ModelSummary.humanReadableCount)
                == ["0  ", "7  ", "999  ", "1.0 K", "1.1 K", "1.0 K", "101 K", "12.3 M", "1,234 T"])
    }
}

/// An automatic-optimization regression for the refusal tests.
private final class AutomaticRegression: Module, TrainingModule {
    let linear: Linear
    override var namedChildren: [(String, Module)] { [("linear", linear)] }

    override init() {
        var generator = RandomGenerator(seed: 5)
        linear = Linear(3, 1, using: &generator)
    }

    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? { mseLoss(linear(batch.inputs), batch.targets!) }

    func configureOptimizers() throws -> OptimizerConfiguration { OptimizerConfiguration(try SGD(parameters(), lr: 0.1)) }
}
