import Foundation
import SwiftDDP
import Testing

/// The order of the events of PyTorch Lightning 2.6's training loop (hooks, scheduler steps
/// with the metric a plateau scheduler saw, validation, logger calls), recorded by
/// Tests/Reference/lightning_epoch_end_order.py.
private struct LightningEpochEndOrder: Decodable {
    struct Recipe: Decodable {
        let epochs: Int
        let validation: Bool
        let valCheckInterval: Double
        let checkValEveryNEpoch: Int
        let schedulers: [String]
        let trainBatches: Int
        let validationBatches: Int
        let events: [String]
    }
    let lightning: String
    let recipes: [String: Recipe]

    static func load() throws -> LightningEpochEndOrder {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Reference/epoch_end_order.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(LightningEpochEndOrder.self, from: Data(contentsOf: url))
    }
}

private let recipeNames = ["validate_every_epoch", "validate_twice_per_epoch", "validate_every_second_epoch", "no_validation"]

/// The events of one run, in order, as the script names them.
private final class EventLog: @unchecked Sendable {
    // Safe: each replay, on each rank, makes its own log and reads it after its run.
    var events: [String] = []
}

private final class RecordingCallback: Callback {
    let log: EventLog
    init(_ log: EventLog) { self.log = log }

    func onTrainEpochStart(_ trainer: Trainer, _ module: any TrainingModule) throws {
        log.events.append("callback.on_train_epoch_start")
    }
    func onTrainBatchStart(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws {
        log.events.append("callback.on_train_batch_start \(batchIndex)")
    }
    func onTrainBatchEnd(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws {
        log.events.append("callback.on_train_batch_end \(batchIndex)")
    }
    func onTrainEpochEnd(_ trainer: Trainer, _ module: any TrainingModule) throws {
        log.events.append("callback.on_train_epoch_end")
    }
    func onValidationEpochStart(_ trainer: Trainer, _ module: any TrainingModule) throws {
        log.events.append("callback.on_validation_epoch_start")
    }
    func onValidationEpochEnd(_ trainer: Trainer, _ module: any TrainingModule) throws {
        log.events.append("callback.on_validation_epoch_end")
    }
}

private final class RecordingLogger: MetricsLogger {
    let log: EventLog
    init(_ log: EventLog) { self.log = log }

    func record(_ record: MetricsRecord) throws {
        log.events.append("log " + record.values.map(\.name).sorted().joined(separator: ","))
    }
    func finish() throws {}
}

/// The script's module: one Linear, SGD, the recipe's schedulers; the validation loss of
/// epoch e is 10 - e.
private final class RecordingModule: Module, TrainingModule {
    let layer: Linear
    let log: EventLog
    let schedulerKinds: [String]
    override var namedChildren: [(String, Module)] { [("layer", layer)] }

    init(_ log: EventLog, schedulers: [String]) {
        var generator = RandomGenerator(seed: 5)
        layer = Linear(2, 1, using: &generator)
        self.log = log
        schedulerKinds = schedulers
    }

    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let output = layer(batch.inputs)
        let loss = (output * output).mean()
        self.log("train_loss", loss, onStep: true, onEpoch: true)
        return loss
    }

    func validationStep(_ batch: Batch, batchIndex: Int) throws {
        self.log("val_loss", 10.0 - Double(trainer.currentEpoch))
    }

    func onTrainEpochStart() throws { log.events.append("module.on_train_epoch_start") }
    func onTrainBatchStart(_ batch: Batch, batchIndex: Int) throws { log.events.append("module.on_train_batch_start \(batchIndex)") }
    func onTrainBatchEnd(_ batch: Batch, batchIndex: Int) throws { log.events.append("module.on_train_batch_end \(batchIndex)") }
    func onTrainEpochEnd() throws { log.events.append("module.on_train_epoch_end") }
    func onValidationEpochStart() throws { log.events.append("module.on_validation_epoch_start") }
    func onValidationEpochEnd() throws { log.events.append("module.on_validation_epoch_end") }

    func lrSchedulerStep(_ scheduler: any LRScheduler, metric: Double?) throws {
        let seen = metric.map { " " + String(format: "%g", $0) } ?? ""
        log.events.append("scheduler.step \(type(of: scheduler))\(seen)")
        if let metric, let driven = scheduler as? MetricDrivenScheduler {
            driven.step(metric: metric)
        } else {
            try scheduler.step()
        }
    }

    func configureOptimizers() throws -> OptimizerConfiguration {
        let sgd = try SGD(parameters(), lr: 0.1)
        let schedulers = try schedulerKinds.map { kind -> SchedulerConfiguration in
            if kind.hasPrefix("plateau") {
                return SchedulerConfiguration(try ReduceLROnPlateau(sgd, patience: 0), interval: .epoch,
                                              monitor: "val_loss", strict: kind == "plateau")
            }
            return SchedulerConfiguration(try StepLR(sgd, stepSize: 1, gamma: 0.5), interval: kind == "step" ? .step : .epoch)
        }
        return OptimizerConfiguration([OptimizerEntry(sgd)], schedulers: schedulers)
    }
}

/// Replays `recipe` on this rank of `communicator`; returns the events.
private func replay(_ recipe: LightningEpochEndOrder.Recipe, communicator: any Communicator) throws -> [String] {
    let log = EventLog()
    var generator = RandomGenerator(seed: 6)
    let ranks = communicator.worldSize
    let train = TensorDataset(inputs: Tensor.randn([recipe.trainBatches * ranks, 2], using: &generator),
                              targets: Tensor.randn([recipe.trainBatches * ranks, 1], using: &generator))
    let validation = TensorDataset(inputs: Tensor.randn([recipe.validationBatches * ranks, 2], using: &generator),
                                   targets: Tensor.randn([recipe.validationBatches * ranks, 1], using: &generator))
    let trainer = try Trainer(
        maxEpochs: recipe.epochs, numSanityValSteps: 0, valCheckInterval: .fraction(recipe.valCheckInterval),
        checkValEveryNEpoch: recipe.checkValEveryNEpoch, logEveryNSteps: 1, communicator: communicator,
        callbacks: [RecordingCallback(log)], loggers: [RecordingLogger(log)], enableProgressBar: false)
    try trainer.fit(RecordingModule(log, schedulers: recipe.schedulers),
                    train: DataLoader(train, batchSize: 1, shuffle: false),
                    validation: recipe.validation ? DataLoader(validation, batchSize: 1, shuffle: false) : nil)
    return log.events
}

/// Lightning's events without its checkpoint saves: the trainer writes an epoch's
/// checkpoint once all of the epoch's events are over, so that a resume continues exactly.
private func withoutCheckpoints(_ events: [String]) -> [String] {
    events.filter { $0 != "checkpoint.save" }
}

private func expectSameEvents(_ mine: [String], _ theirs: [String], _ label: String) {
    #expect(mine.count == theirs.count, "\(label): \(mine.count) events, Lightning \(theirs.count)")
    if let first = zip(mine, theirs).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
        let context = max(0, first - 3)
        let near = Array(mine[context..<min(mine.count, first + 6)])
        let recorded = Array(theirs[context..<min(theirs.count, first + 6)])
        Issue.record("\(label): event \(first) is '\(mine[first])', Lightning '\(theirs[first])'; from event \(context): \(near) vs Lightning \(recorded)")
    }
}

/// The order of epoch-end events: hooks, scheduler steps,
/// validation and logging follow Lightning 2.6 exactly, and a plateau scheduler sees the
/// validation loss of the epoch that just ended.
@Suite struct EpochEndOrderTests {
    @Test(arguments: recipeNames)
    func followsLightningOnOneRank(name: String) throws {
        let recipe = try #require(try LightningEpochEndOrder.load().recipes[name], "no recorded recipe \(name)")
        expectSameEvents(try replay(recipe, communicator: LocalCommunicator()), withoutCheckpoints(recipe.events), "\(name), 1 rank")
    }

    @Test(arguments: recipeNames)
    func followsLightningOnTwoRanks(name: String) throws {
        let recipe = try #require(try LightningEpochEndOrder.load().recipes[name], "no recorded recipe \(name)")
        let ranks = ThreadGroupCommunicator.run(worldSize: 2) { communicator in
            try replay(recipe, communicator: communicator)
        }
        for (rank, result) in ranks.enumerated() {
            // Only rank 0 hands metrics to the loggers.
            let expected = withoutCheckpoints(recipe.events).filter { rank == 0 || !$0.hasPrefix("log ") }
            expectSameEvents(try result.get(), expected, "\(name), rank \(rank) of 2")
        }
    }

    @Test func fixturesSayWhichLightningMadeThemAndEveryRecipeIsReplayed() throws {
        let recorded = try LightningEpochEndOrder.load()
        #expect(recorded.lightning.hasPrefix("2.6."))
        #expect(Set(recorded.recipes.keys) == Set(recipeNames))
        // The plateau scheduler saw each epoch's fresh validation loss.
        #expect(recorded.recipes["validate_every_epoch"]?.events.filter { $0.hasPrefix("scheduler.step ReduceLROnPlateau") }
                == ["scheduler.step ReduceLROnPlateau 10", "scheduler.step ReduceLROnPlateau 9"])
    }
}
