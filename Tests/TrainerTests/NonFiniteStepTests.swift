import DDPTestSupport
import Foundation
import OptimizationExamples
import SwiftDDP
import Testing

/// A classifier whose loss turns NaN at batch `poisonedBatch` on rank `poisonedRank` alone
/// (every rank when `nil`), or whose gradients turn NaN while its loss stays finite.
private final class Poisoned: Module, TrainingModule {
    let linear = exampleMLP([6, 3], seed: 22)
    let poisonedBatch: Int
    let poisonedRank: Int?
    let gradientsOnly: Bool
    var rank = 0
    override var namedChildren: [(String, Module)] { [("linear", linear)] }

    init(batch: Int, rank: Int? = nil, gradientsOnly: Bool = false) {
        poisonedBatch = batch
        poisonedRank = rank
        self.gradientsOnly = gradientsOnly
    }

    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let loss = crossEntropy(linear(batch.inputs), targets: batch.labels)
        guard batchIndex == poisonedBatch && (poisonedRank ?? rank) == rank else { return loss }
        // sqrt at 0 has an infinite slope: the loss stays finite, its gradient is NaN.
        return gradientsOnly ? loss + (linear.parameters()[0].sum() * 0).sqrt() : loss * Float.nan
    }

    func configureOptimizers() throws -> OptimizerConfiguration {
        OptimizerConfiguration(try SGD(parameters(), lr: 0.1))
    }
}

@Suite struct NonFiniteStepTests {
    let data = ExampleData.classification()

    @Test func stopNamesTheStepAndTheOptimizerBeforeAnyWeightChanges() throws {
        let module = Poisoned(batch: 2)
        let trainer = try Trainer(maxEpochs: 1, communicator: LocalCommunicator(), enableProgressBar: false, nonFiniteLoss: .stop)
        var weightsBefore: [Float] = []
        let recorder = BatchEndRecorder { if $0 == 1 { weightsBefore = module.parameters().flatMap(\.scalars) } }
        let recording = try Trainer(maxEpochs: 1, communicator: LocalCommunicator(), callbacks: [recorder],
                                    enableProgressBar: false, nonFiniteLoss: .stop)
        #expect(throws: NonFiniteStepError.self) { try recording.fit(module, train: try DataLoader(data, batchSize: 16)) }
        #expect(module.parameters().flatMap(\.scalars) == weightsBefore)
        #expect(recording.globalStep == 2)

        #expect { try trainer.fit(Poisoned(batch: 2), train: try DataLoader(data, batchSize: 16)) } throws: {
            "\($0)".hasPrefix("the loss is nan at step 2 (epoch 0, batch 2) of optimizer 0 (SGD)")
        }
    }

    @Test func aNonFiniteGradientNormAloneIsCaught() throws {
        let trainer = try Trainer(maxEpochs: 1, communicator: LocalCommunicator(), enableProgressBar: false, nonFiniteLoss: .stop)
        #expect { try trainer.fit(Poisoned(batch: 1, gradientsOnly: true), train: try DataLoader(data, batchSize: 16)) } throws: {
            "\($0)".hasPrefix("the gradient norm is nan at step 1 (epoch 0, batch 1)")
        }
    }

    @Test func skipIsCountedAndLogged() throws {
        let module = Poisoned(batch: 1)
        let trainer = try Trainer(maxEpochs: 2, communicator: LocalCommunicator(), enableProgressBar: false, nonFiniteLoss: .skip,
                                  keepLoggedEvents: true)
        try trainer.fit(module, train: try DataLoader(data, batchSize: 16))
        let batches = trainer.batchesSeen
        #expect(trainer.skippedSteps == 2 && trainer.globalStep == batches - 2)
        #expect(trainer.callbackMetrics["skipped_steps"] == 2)
        let logged = trainer.loggedEvents.flatMap(\.values).filter { $0.name == "skipped_steps" }.map(\.value)
        #expect(logged == [1, 2])
        #expect(module.parameters().allSatisfy { $0.scalars.allSatisfy(\.isFinite) })
    }

    @Test func oneRanksNaNSkipsTheStepOnEveryRank() throws {
        let results = ThreadGroupCommunicator.run(worldSize: 2) { comm -> (Int, Int, [Float]) in
            let module = Poisoned(batch: 1, rank: 1)
            module.rank = comm.rank
            let trainer = try Trainer(maxEpochs: 1, communicator: comm, enableProgressBar: false, nonFiniteLoss: .skip)
            try trainer.fit(module, train: try DataLoader(ExampleData.classification(), batchSize: 16))
            return (trainer.skippedSteps, trainer.globalStep, module.parameters().flatMap(\.scalars))
        }
        let ranks = try results.map { try $0.get() }
        #expect(ranks[0].0 == 1 && ranks[1].0 == 1)
        #expect(ranks[0].1 == ranks[1].1)
        #expect(ranks[0].2 == ranks[1].2 && ranks[0].2.allSatisfy(\.isFinite))
    }

    @Test func oneRanksNaNStopsEveryRank() throws {
        let results = ThreadGroupCommunicator.run(worldSize: 2) { comm -> Int in
            let module = Poisoned(batch: 1, rank: 0)
            module.rank = comm.rank
            let trainer = try Trainer(maxEpochs: 1, communicator: comm, enableProgressBar: false, nonFiniteLoss: .stop)
            try trainer.fit(module, train: try DataLoader(ExampleData.classification(), batchSize: 16))
            return trainer.globalStep
        }
        for result in results {
            #expect(throws: NonFiniteStepError.self) { try result.get() }
        }
    }

    @Test func nanWeightsAreNeverCheckpointed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nonfinite-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let checkpoints = ModelCheckpoint(directory: directory, everyNTrainSteps: 1)
        // `.step` lets the NaN into the weights; the checkpoint after that step is refused.
        let trainer = try Trainer(maxEpochs: 1, communicator: LocalCommunicator(), callbacks: [checkpoints],
                                  enableProgressBar: false, nonFiniteLoss: .step)
        #expect { try trainer.fit(Poisoned(batch: 2), train: try DataLoader(data, batchSize: 16)) } throws: {
            ($0 as? NonFiniteWeightsError)?.step == 3 && "\($0)".contains("the last checkpoint written is kept")
        }
        let last = try Checkpoint.read(from: directory + "/last.safetensors")
        #expect(last.progress.globalStep == 2)
        #expect(last.modelState.allSatisfy { $0.tensor.scalars.allSatisfy(\.isFinite) })
    }
}

/// A manually optimized classifier whose loss turns NaN at batch `poisonedBatch`.
private final class ManualPoisoned: Module, TrainingModule {
    let linear = exampleMLP([6, 3], seed: 23)
    let poisonedBatch: Int
    override var namedChildren: [(String, Module)] { [("linear", linear)] }
    var automaticOptimization: Bool { false }

    init(batch: Int) { poisonedBatch = batch }

    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let optimizer: ManagedOptimizer = optimizers()
        let loss = crossEntropy(linear(batch.inputs), targets: batch.labels)
        optimizer.zeroGrad()
        try manualBackward(batchIndex == poisonedBatch ? loss * Float.nan : loss)
        try optimizer.step()
        return loss
    }

    func configureOptimizers() throws -> OptimizerConfiguration {
        OptimizerConfiguration(try SGD(parameters(), lr: 0.1))
    }
}

extension NonFiniteStepTests {
    @Test func manualOptimizationIsCheckedAtItsStep() throws {
        let stopping = try Trainer(maxEpochs: 1, communicator: LocalCommunicator(), enableProgressBar: false, nonFiniteLoss: .stop)
        #expect { try stopping.fit(ManualPoisoned(batch: 1), train: try DataLoader(data, batchSize: 16)) } throws: {
            "\($0)".hasPrefix("the loss is nan at step 1 (epoch 0, batch 1) of optimizer 0 (SGD)")
        }
        let module = ManualPoisoned(batch: 1)
        let skipping = try Trainer(maxEpochs: 1, communicator: LocalCommunicator(), enableProgressBar: false, nonFiniteLoss: .skip)
        try skipping.fit(module, train: try DataLoader(data, batchSize: 16))
        #expect(skipping.skippedSteps == 1 && skipping.globalStep == skipping.batchesSeen - 1)
        #expect(module.parameters().allSatisfy { $0.scalars.allSatisfy(\.isFinite) })
    }
}

/// Calls `body` with the batch index at the end of every training batch.
private final class BatchEndRecorder: Callback {
    let body: (Int) -> Void
    init(_ body: @escaping (Int) -> Void) { self.body = body }
    func onTrainBatchEnd(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws { body(batchIndex) }
}
