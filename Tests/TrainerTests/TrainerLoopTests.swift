import DDPTestSupport
import OptimizationExamples
import SwiftDDP
import Testing

/// A module that records the order of the trainer's calls.
private final class RecordingModule: Module, TrainingModule {
    let first = exampleMLP([6, 3], seed: 20)
    let second = exampleMLP([6, 3], seed: 21)
    let optimizerCount: Int
    var calls: [String] = []
    var sawTrainingMode: [Bool] = []
    var validationSawGradients = false
    var validationInEval = true
    override var namedChildren: [(String, Module)] { [("first", first), ("second", second)] }

    init(optimizers: Int) { optimizerCount = optimizers }

    func trainingStep(_ batch: Batch, batchIndex: Int, optimizerIndex: Int) throws -> Tensor? {
        calls.append("training_step \(batchIndex) \(optimizerIndex)")
        sawTrainingMode.append(isTraining)
        // Only the toggled optimizer's parameters may require gradients.
        if optimizerCount > 1 {
            let other = optimizerIndex == 0 ? second : first
            if other.parameters().contains(where: \.requiresGrad) { calls.append("NOT TOGGLED") }
        }
        let loss = crossEntropy(first(batch.inputs) + second(batch.inputs), targets: batch.labels)
        log("train_loss", loss)
        return loss
    }

    func validationStep(_ batch: Batch, batchIndex: Int) throws {
        let loss = crossEntropy(first(batch.inputs) + second(batch.inputs), targets: batch.labels)
        validationSawGradients = validationSawGradients || loss.requiresGrad
        validationInEval = validationInEval && !isTraining
        log("val_loss", loss)
    }

    func optimizerZeroGrad(epoch: Int, batchIndex: Int, optimizer: ManagedOptimizer, optimizerIndex: Int) {
        calls.append("zero_grad \(optimizerIndex)")
        optimizer.zeroGrad()
    }

    func optimizerStep(epoch: Int, batchIndex: Int, optimizer: ManagedOptimizer, optimizerIndex: Int,
                       closure: @escaping OptimizerClosure) throws {
        calls.append("optimizer_step \(optimizerIndex)")
        try optimizer.step(closure: closure)
        calls.append("stepped \(optimizerIndex)")
    }

    func configureGradientClipping(optimizer: ManagedOptimizer, optimizerIndex: Int,
                                   gradientClipVal: Double?, gradientClipAlgorithm: GradientClipAlgorithm?) throws {
        let hasGradients = optimizer.optimizer.allParameters.allSatisfy { $0.grad != nil }
        calls.append("clip \(optimizerIndex)\(hasGradients ? "" : " WITHOUT GRADIENTS")")
    }

    func lrSchedulerStep(_ scheduler: any LRScheduler, metric: Double?) throws {
        calls.append("scheduler")
        try scheduler.step()
    }

    func onTrainEpochStart() throws { calls.append("epoch_start") }
    func onTrainEpochEnd() throws { calls.append("epoch_end") }
    func onValidationEpochStart() throws { calls.append("validation_start") }
    func onValidationEpochEnd() throws { calls.append("validation_end") }

    func configureOptimizers() throws -> OptimizerConfiguration {
        guard optimizerCount > 1 else {
            let sgd = try SGD(parameters(), lr: 0.1)
            return OptimizerConfiguration(sgd, scheduler: SchedulerConfiguration(try StepLR(sgd, stepSize: 1), interval: .step))
        }
        return [try SGD(first.parameters(), lr: 0.1), try SGD(second.parameters(), lr: 0.1)]
    }
}

struct TrainerLoopTests {
    private func data() throws -> DataLoader { try DataLoader(ExampleData.classification(count: 32), batchSize: 8, shuffle: false) }

    @Test func oneOptimizerCallsZeroGradBackwardClipStepThenItsScheduler() throws {
        let module = RecordingModule(optimizers: 1)
        let trainer = try Trainer(maxEpochs: 1, limitTrainBatches: 2, communicator: LocalCommunicator(), enableProgressBar: false)
        try trainer.fit(module, train: data())
        #expect(module.calls == [
            "epoch_start",
            "optimizer_step 0", "training_step 0 0", "zero_grad 0", "clip 0", "stepped 0", "scheduler",
            "optimizer_step 0", "training_step 1 0", "zero_grad 0", "clip 0", "stepped 0", "scheduler",
            "epoch_end",
        ])
    }

    @Test func twoOptimizersWithAccumulationCallInLightningsOrder() throws {
        let module = RecordingModule(optimizers: 2)
        let trainer = try Trainer(maxEpochs: 1, accumulateGradBatches: 2, limitTrainBatches: 2,
                                  communicator: LocalCommunicator(), enableProgressBar: false)
        try trainer.fit(module, train: data())
        #expect(module.calls == [
            "epoch_start",
            // batch 0 opens the window: training step, zero grad, backward; no step.
            "training_step 0 0", "zero_grad 0", "training_step 0 1", "zero_grad 1",
            // batch 1 closes it: the step runs the closure, then clipping, then the update.
            "optimizer_step 0", "training_step 1 0", "clip 0", "stepped 0",
            "optimizer_step 1", "training_step 1 1", "clip 1", "stepped 1",
            "epoch_end",
        ])
        #expect(module.sawTrainingMode.allSatisfy { $0 })
        #expect(trainer.globalStep == 1 && trainer.optimizers.map(\.stepCount) == [1, 1])
        // Toggling is undone after each optimizer.
        #expect(module.parameters().allSatisfy { $0.requiresGrad })
    }

    @Test func validationRunsInEvalModeWithoutGradientsAndAveragesOverRanks() throws {
        let results = ThreadGroupCommunicator.run(worldSize: 2) { comm -> (Double, Bool, Bool, [String]) in
            let module = RecordingModule(optimizers: 2)
            let trainer = try Trainer(maxEpochs: 1, communicator: comm, enableProgressBar: false)
            try trainer.fit(module, train: try DataLoader(ExampleData.classification(count: 32), batchSize: 4),
                            validation: try DataLoader(ExampleData.classification(count: 21), batchSize: 4, shuffle: false))
            return (trainer.callbackMetrics["val_loss"]!, module.validationSawGradients, module.validationInEval, module.calls)
        }
        let ranks = try results.map { try $0.get() }
        #expect(ranks[0].0 == ranks[1].0)           // the same averaged metric on every rank: one all-reduce, bitwise
        #expect(!ranks[0].1 && ranks[0].2)
        #expect(ranks[0].3.suffix(3) == ["validation_start", "validation_end", "epoch_end"])
        // The mean over all 21 validation samples, as one process computes it.
        let module = RecordingModule(optimizers: 2)
        let reference = try Trainer(maxEpochs: 1, communicator: LocalCommunicator(), enableProgressBar: false)
        try reference.fit(module, train: try DataLoader(ExampleData.classification(count: 32), batchSize: 8),
                          validation: try DataLoader(ExampleData.classification(count: 21), batchSize: 4, shuffle: false))
        #expect(abs(reference.callbackMetrics["val_loss"]! - ranks[0].0) < 1e-5 * reference.callbackMetrics["val_loss"]!)
    }

    @Test func earlyStoppingStopsWhenTheMonitoredMetricStallsAndLRMonitorNamesLikeLightning() throws {
        let stopping = EarlyStopping(monitor: "val_loss", minDelta: 10, patience: 2)
        let monitor = LearningRateMonitor(loggingInterval: .epoch)
        let module = ClassifierModel()
        let trainer = try Trainer(maxEpochs: 20, communicator: LocalCommunicator(), callbacks: [stopping, monitor],
                                  enableProgressBar: false, keepLoggedEvents: true)
        try trainer.fit(module, train: try DataLoader(ExampleData.classification(), batchSize: 16),
                        validation: try DataLoader(ExampleData.classification(count: 30), batchSize: 16, shuffle: false))
        // minDelta 10: nothing counts as better after the first check, so patience 2 ends epoch 3.
        #expect(trainer.currentEpoch == 3)
        #expect(stopping.stoppedEpoch == 2)
        let names = trainer.loggedEvents.flatMap { $0.values.map(\.name) }
        #expect(names.filter { $0 == "lr-SGD" }.count == 3)

        let two = try Trainer(maxEpochs: 1, communicator: LocalCommunicator(), callbacks: [monitor], enableProgressBar: false)
        try two.fit(PerGroupModel(), train: try DataLoader(ExampleData.classification(), batchSize: 16))
        #expect(monitor.values(two).map(\.name) == ["lr-Adam/pg1", "lr-Adam/pg2"])
    }

    @Test func aMissingMonitoredMetricIsAClearErrorWhenStrict() throws {
        let module = ClassifierModel { model in
            let sgd = try SGD(model.parameters(), lr: 0.1)
            return OptimizerConfiguration(sgd, scheduler: SchedulerConfiguration(try ReduceLROnPlateau(sgd), monitor: "val_acc"))
        }
        let trainer = try Trainer(maxEpochs: 1, communicator: LocalCommunicator(), enableProgressBar: false)
        // Found after the first batch, not at the scheduler's first step at the end of the epoch.
        #expect {
            try trainer.fit(module, train: try DataLoader(ExampleData.classification(), batchSize: 16))
        } throws: { error in
            "\(error)".contains("monitors 'val_acc', which the module does not log") && "\(error)".contains("train_loss")
        }
        #expect(trainer.globalStep == 1)
    }

    @Test func aMonitoredValidationMetricIsKnownBeforeTheFirstValidation() throws {
        let module = ClassifierModel { model in
            let sgd = try SGD(model.parameters(), lr: 0.1)
            return OptimizerConfiguration(sgd, scheduler: SchedulerConfiguration(try ReduceLROnPlateau(sgd), monitor: "val_loss"))
        }
        let stopping = EarlyStopping(monitor: "val_loss", patience: 100)
        let trainer = try Trainer(maxEpochs: 2, communicator: LocalCommunicator(), callbacks: [stopping], enableProgressBar: false)
        try trainer.fit(module, train: try DataLoader(ExampleData.classification(), batchSize: 16),
                        validation: try DataLoader(ExampleData.classification(count: 30), batchSize: 16, shuffle: false))
        #expect(trainer.currentEpoch == 2 && trainer.callbackMetrics["val_loss"] != nil)
    }

    @Test func badConfigurationsAreClearErrors() throws {
        func failure(_ configure: @escaping (ClassifierModel) throws -> OptimizerConfiguration) -> String {
            do {
                let trainer = try Trainer(maxEpochs: 1, communicator: LocalCommunicator(), enableProgressBar: false)
                try trainer.fit(ClassifierModel(optimizer: configure), train: try DataLoader(ExampleData.classification(), batchSize: 16))
                return "no error"
            } catch { return "\(error)" }
        }
        #expect(failure { m in
            let sgd = try SGD(m.parameters(), lr: 0.1)
            return OptimizerConfiguration(sgd, scheduler: SchedulerConfiguration(try ReduceLROnPlateau(sgd)))
        }.contains("steps on a metric"))
        #expect(failure { m in
            OptimizerConfiguration([OptimizerEntry(try SGD(m.parameters(), lr: 0.1), frequency: 1),
                                    OptimizerEntry(try SGD([Tensor.zeros([1], requiresGrad: true)], lr: 0.1))])
        }.contains("frequency"))
        #expect(failure { m in
            let other = try SGD([Tensor.zeros([1], requiresGrad: true)], lr: 0.1)
            return OptimizerConfiguration(try SGD(m.parameters(), lr: 0.1), scheduler: try StepLR(other, stepSize: 1))
        }.contains("not returned with it"))
        #expect(failure { _ in OptimizerConfiguration([]) }.contains("no optimizer"))
        #expect(throws: TrainerError.self) { try Trainer(accumulateGradBatches: 0) }
        #expect(throws: TrainerError.self) { try Trainer(limitTrainBatches: 1.5) }
    }

    @Test func aSkippedNonFiniteStepStepsNoScheduler() throws {
        final class Diverging: Module, TrainingModule {
            let linear = exampleMLP([6, 3], seed: 22)
            override var namedChildren: [(String, Module)] { [("linear", linear)] }
            func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
                let loss = crossEntropy(linear(batch.inputs), targets: batch.labels)
                return batchIndex == 1 ? loss * Float.nan : loss
            }
            func configureOptimizers() throws -> OptimizerConfiguration {
                let sgd = try SGD(parameters(), lr: 0.1)
                return OptimizerConfiguration(sgd, scheduler: SchedulerConfiguration(try StepLR(sgd, stepSize: 1, gamma: 0.5), interval: .step))
            }
        }
        let module = Diverging()
        let trainer = try Trainer(maxEpochs: 1, limitTrainBatches: 3, communicator: LocalCommunicator(),
                                  enableProgressBar: false, nonFiniteLoss: .skip)
        try trainer.fit(module, train: try DataLoader(ExampleData.classification(), batchSize: 16))
        #expect(trainer.globalStep == 2 && trainer.optimizers[0].stepCount == 2)
        #expect(isClose(trainer.optimizers[0].paramGroups[0].lr, to: 0.025))   // two scheduler steps, not three
        #expect(module.parameters().allSatisfy { $0.scalars.allSatisfy(\.isFinite) })

        let stopping = try Trainer(maxEpochs: 1, communicator: LocalCommunicator(), enableProgressBar: false, nonFiniteLoss: .stop)
        #expect { try stopping.fit(Diverging(), train: try DataLoader(ExampleData.classification(), batchSize: 16)) } throws: {
            "\($0)".contains("the loss is nan at step 1")
        }
    }
}
