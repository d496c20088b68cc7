import Foundation
import SwiftDDP
import Testing

/// Every hook call of PyTorch Lightning 2.6 around setup, training, backward passes and
/// optimizer steps, in order, recorded by Tests/Reference/lightning_hook_order.py.
private struct LightningHookOrder: Decodable {
    struct Recipe: Decodable {
        let stage: String
        let manual: Bool
        let epochs: Int
        let batches: Int
        let validationBatches: Int
        let accumulateGradBatches: Int
        let gradientClipVal: Double?
        let events: [String]
    }
    let lightning: String
    let recipes: [String: Recipe]

    static func load() throws -> LightningHookOrder {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Reference/hook_order.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(LightningHookOrder.self, from: Data(contentsOf: url))
    }
}

private let recipeNames = ["automatic_accumulation_clipping", "automatic", "manual_two_optimizers", "validate", "test", "predict"]
/// Prediction deals batches to the ranks in turn, so its batch indices differ on two ranks.
private let twoRankRecipeNames = recipeNames.filter { $0 != "predict" }

/// The events of one run, in order, as the script names them.
private final class EventLog: @unchecked Sendable {
    // Safe: each replay, on each rank, makes its own log and reads it after its run.
    var events: [String] = []
    func add(_ event: String) { events.append(event) }
}

private func formatted(_ loss: Tensor) -> String { String(format: "%g", Double(loss.item)) }

private final class RecordingCallback: Callback {
    let log: EventLog
    init(_ log: EventLog) { self.log = log }

    func setup(_ trainer: Trainer, _ module: any TrainingModule, stage: TrainerStage) throws {
        log.add("callback.setup \(stage.rawValue)")
    }
    func teardown(_ trainer: Trainer, _ module: any TrainingModule, stage: TrainerStage) throws {
        log.add("callback.teardown \(stage.rawValue)")
    }
    func onFitStart(_ trainer: Trainer, _ module: any TrainingModule) throws { log.add("callback.on_fit_start") }
    func onFitEnd(_ trainer: Trainer, _ module: any TrainingModule) throws { log.add("callback.on_fit_end") }
    func onTrainStart(_ trainer: Trainer, _ module: any TrainingModule) throws { log.add("callback.on_train_start") }
    func onTrainEnd(_ trainer: Trainer, _ module: any TrainingModule) throws { log.add("callback.on_train_end") }
    func onTrainEpochStart(_ trainer: Trainer, _ module: any TrainingModule) throws {
        log.add("callback.on_train_epoch_start")
    }
    func onTrainEpochEnd(_ trainer: Trainer, _ module: any TrainingModule) throws { log.add("callback.on_train_epoch_end") }
    func onTrainBatchStart(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws {
        log.add("callback.on_train_batch_start \(batchIndex)")
    }
    func onTrainBatchEnd(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws {
        log.add("callback.on_train_batch_end \(batchIndex)")
    }
    func onValidationEpochStart(_ trainer: Trainer, _ module: any TrainingModule) throws {
        log.add("callback.on_validation_epoch_start")
    }
    func onValidationEpochEnd(_ trainer: Trainer, _ module: any TrainingModule) throws {
        log.add("callback.on_validation_epoch_end")
    }
    func onBeforeBackward(_ trainer: Trainer, _ module: any TrainingModule, loss: Tensor) throws {
        log.add("callback.on_before_backward \(formatted(loss))")
    }
    func onAfterBackward(_ trainer: Trainer, _ module: any TrainingModule) throws { log.add("callback.on_after_backward") }
    func onBeforeOptimizerStep(
        _ trainer: Trainer, _ module: any TrainingModule, optimizer: ManagedOptimizer, optimizerIndex: Int
    ) throws {
        log.add("callback.on_before_optimizer_step \(optimizerIndex)")
    }
    func onBeforeZeroGrad(_ trainer: Trainer, _ module: any TrainingModule, optimizer: ManagedOptimizer) throws {
        log.add("callback.on_before_zero_grad \(optimizer.index)")
    }
}

/// A loss equal to `value` exactly, with gradient 1 for every parameter of `layer`.
private func knownLoss(_ layer: Linear, _ value: Float) -> Tensor {
    let sums = layer.parameters().map { $0.sum() }
    let total = sums.dropFirst().reduce(sums[0], +)
    return total - total.detached() + value
}

/// The script's module: one Linear and SGD (automatic), or two Linears and two SGDs
/// stepped in the training step, the first with a closure (manual).
private final class RecordingModule: Module, TrainingModule {
    let layer: Linear
    let second: Linear
    let log: EventLog
    let manual: Bool
    override var namedChildren: [(String, Module)] { manual ? [("layer", layer), ("second", second)] : [("layer", layer)] }
    var automaticOptimization: Bool { !manual }

    init(_ log: EventLog, manual: Bool) {
        var generator = RandomGenerator(seed: 5)
        layer = Linear(2, 1, using: &generator)
        second = Linear(2, 1, using: &generator)
        self.log = log
        self.manual = manual
    }

    func configureOptimizers() throws -> OptimizerConfiguration {
        log.add("module.configure_optimizers")
        guard manual else { return OptimizerConfiguration(try SGD(layer.parameters(), lr: 0.1)) }
        return OptimizerConfiguration(optimizers: [try SGD(layer.parameters(), lr: 0.1), try SGD(second.parameters(), lr: 0.1)])
    }

    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        log.add("module.training_step \(batchIndex)")
        let value = Float(batchIndex + 1)
        guard manual else { return knownLoss(layer, value) }
        let (first, last): (ManagedOptimizer, ManagedOptimizer) = optimizers()
        try first.step {
            first.zeroGrad()
            let loss = knownLoss(self.layer, value)
            try self.manualBackward(loss)
            return loss.item
        }
        last.zeroGrad()
        try manualBackward(knownLoss(second, 10 * value))
        try last.step()
        return nil
    }

    func validationStep(_ batch: Batch, batchIndex: Int) throws { log.add("module.validation_step \(batchIndex)") }
    func testStep(_ batch: Batch, batchIndex: Int) throws { log.add("module.test_step \(batchIndex)") }
    func predictStep(_ batch: Batch, batchIndex: Int) throws -> Tensor {
        log.add("module.predict_step \(batchIndex)")
        return layer(batch.inputs)
    }

    func optimizerStep(
        epoch: Int, batchIndex: Int, optimizer: ManagedOptimizer, optimizerIndex: Int, closure: @escaping OptimizerClosure
    ) throws {
        log.add("module.optimizer_step \(batchIndex)")
        try optimizer.step(closure: closure)
    }
    func optimizerZeroGrad(epoch: Int, batchIndex: Int, optimizer: ManagedOptimizer, optimizerIndex: Int) {
        log.add("module.optimizer_zero_grad \(batchIndex)")
        optimizer.zeroGrad()
    }
    func configureGradientClipping(
        optimizer: ManagedOptimizer, optimizerIndex: Int, gradientClipVal: Double?, gradientClipAlgorithm: GradientClipAlgorithm?
    ) throws {
        log.add("module.configure_gradient_clipping \(optimizerIndex)")
        try clipGradients(optimizer, gradientClipVal: gradientClipVal, gradientClipAlgorithm: gradientClipAlgorithm)
    }

    func setup(stage: TrainerStage) throws { log.add("module.setup \(stage.rawValue)") }
    func teardown(stage: TrainerStage) throws { log.add("module.teardown \(stage.rawValue)") }
    func onFitStart() throws { log.add("module.on_fit_start") }
    func onFitEnd() throws { log.add("module.on_fit_end") }
    func onTrainStart() throws { log.add("module.on_train_start") }
    func onTrainEnd() throws { log.add("module.on_train_end") }
    func onTrainEpochStart() throws { log.add("module.on_train_epoch_start") }
    func onTrainEpochEnd() throws { log.add("module.on_train_epoch_end") }
    func onTrainBatchStart(_ batch: Batch, batchIndex: Int) throws { log.add("module.on_train_batch_start \(batchIndex)") }
    func onTrainBatchEnd(_ batch: Batch, batchIndex: Int) throws { log.add("module.on_train_batch_end \(batchIndex)") }
    func onValidationEpochStart() throws { log.add("module.on_validation_epoch_start") }
    func onValidationEpochEnd() throws { log.add("module.on_validation_epoch_end") }
    func onBeforeBackward(_ loss: Tensor) throws { log.add("module.on_before_backward \(formatted(loss))") }
    func onAfterBackward() throws { log.add("module.on_after_backward") }
    func onBeforeOptimizerStep(_ optimizer: ManagedOptimizer, optimizerIndex: Int) throws {
        log.add("module.on_before_optimizer_step \(optimizerIndex)")
    }
    func onBeforeZeroGrad(_ optimizer: ManagedOptimizer) throws { log.add("module.on_before_zero_grad \(optimizer.index)") }
}

/// Replays `recipe` on this rank of `communicator` (each rank reading the recipe's number of
/// batches of one sample); returns the events.
private func replay(_ recipe: LightningHookOrder.Recipe, communicator: any Communicator) throws -> [String] {
    let log = EventLog()
    var generator = RandomGenerator(seed: 6)
    let ranks = communicator.worldSize
    func loader(_ batches: Int) throws -> DataLoader {
        let data = TensorDataset(inputs: Tensor.randn([batches * ranks, 2], using: &generator),
                                 targets: Tensor.randn([batches * ranks, 1], using: &generator))
        return try DataLoader(data, batchSize: 1, shuffle: false)
    }
    let trainer = try Trainer(
        maxEpochs: recipe.epochs, accumulateGradBatches: recipe.accumulateGradBatches,
        gradientClipVal: recipe.gradientClipVal, numSanityValSteps: 0,  // as recorded
        communicator: communicator, callbacks: [RecordingCallback(log)], enableProgressBar: false)
    let module = RecordingModule(log, manual: recipe.manual)
    let data = try loader(recipe.batches)
    switch recipe.stage {
    case "fit": try trainer.fit(module, train: data, validation: recipe.validationBatches > 0 ? try loader(recipe.validationBatches) : nil)
    case "validate": try trainer.validate(module, data: data)
    case "test": try trainer.test(module, data: data)
    case "predict": _ = try trainer.predict(module, data: data)
    default: throw TrainerError("the recording has a stage '\(recipe.stage)' the replay does not know")
    }
    return log.events
}

private func expectSameEvents(_ mine: [String], _ theirs: [String], _ label: String) {
    #expect(mine.count == theirs.count, "\(label): \(mine.count) events, Lightning \(theirs.count)")
    let first = zip(mine, theirs).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset
        ?? (mine.count != theirs.count ? min(mine.count, theirs.count) : nil)
    if let first {
        let context = max(0, first - 3)
        let near = Array(mine[min(context, mine.count)..<min(mine.count, first + 6)])
        let recorded = Array(theirs[min(context, theirs.count)..<min(theirs.count, first + 6)])
        Issue.record("\(label): events differ from event \(first); from event \(context): \(near) vs Lightning \(recorded)")
    }
}

/// The hooks (setup/teardown of every stage, train start/end, backward, zero-grad and
/// optimizer-step hooks, in automatic and manual optimization) run exactly where and in
/// the order Lightning 2.6 runs them.
@Suite struct HookOrderTests {
    @Test(arguments: recipeNames)
    func followsLightningOnOneRank(name: String) throws {
        let recipe = try #require(try LightningHookOrder.load().recipes[name], "no recorded recipe \(name)")
        expectSameEvents(try replay(recipe, communicator: LocalCommunicator()), recipe.events, "\(name), 1 rank")
    }

    @Test(arguments: twoRankRecipeNames)
    func followsLightningOnTwoRanks(name: String) throws {
        let recipe = try #require(try LightningHookOrder.load().recipes[name], "no recorded recipe \(name)")
        let ranks = ThreadGroupCommunicator.run(worldSize: 2) { communicator in
            try replay(recipe, communicator: communicator)
        }
        for (rank, result) in ranks.enumerated() {
            expectSameEvents(try result.get(), recipe.events, "\(name), rank \(rank) of 2")
        }
    }

    @Test func fixturesSayWhichLightningMadeThemAndEveryRecipeIsReplayed() throws {
        let recorded = try LightningHookOrder.load()
        #expect(recorded.lightning.hasPrefix("2.6."))
        #expect(Set(recorded.recipes.keys) == Set(recipeNames))
        // What the replay relies on: the backward hooks see the loss divided by the
        // accumulation, also in the partial last window; manual optimization runs
        // on_before_optimizer_step at every step but never on_before_zero_grad.
        let accumulated = try #require(recorded.recipes["automatic_accumulation_clipping"]).events
        #expect(Array(accumulated.filter { $0.hasPrefix("module.on_before_backward") }.prefix(5))
                == ["0.5", "1", "1.5", "2", "2.5"].map { "module.on_before_backward " + $0 })
        let manual = try #require(recorded.recipes["manual_two_optimizers"]).events
        #expect(manual.filter { $0.hasPrefix("module.on_before_optimizer_step") }.count == 6)
        #expect(!manual.contains { $0.contains("zero_grad") })
    }
}
