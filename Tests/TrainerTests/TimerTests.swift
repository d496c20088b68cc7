import DDPTestSupport
import Foundation
import SwiftDDP
import Testing

/// A clock the test moves: `secondsPerBatch` after every training batch.
private final class SteppedClock: Callback, @unchecked Sendable {
    // Safe: each rank makes its own clock, read and moved only by that rank's trainer.
    var now: Double = 100
    let secondsPerBatch: Double
    init(secondsPerBatch: Double) { self.secondsPerBatch = secondsPerBatch }
    func onTrainBatchEnd(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws {
        now += secondsPerBatch
    }
}

/// One Linear on random regression data; counts the batches it trains and validates.
private final class CountingModule: Module, TrainingModule {
    let layer: Linear
    var trained: [[Int]] = []
    var validations = 0
    override var namedChildren: [(String, Module)] { [("layer", layer)] }

    override init() {
        var generator = RandomGenerator(seed: 8)
        layer = Linear(2, 1, using: &generator)
    }

    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        trained.append([trainer.currentEpoch, batchIndex])
        return mseLoss(layer(batch.inputs), batch.targets!)
    }

    func validationStep(_ batch: Batch, batchIndex: Int) throws {
        log("val_loss", mseLoss(layer(batch.inputs), batch.targets!))
    }

    func onValidationEpochEnd() throws { validations += 1 }

    func configureOptimizers() throws -> OptimizerConfiguration {
        OptimizerConfiguration([OptimizerEntry(try SGD(parameters(), lr: 0.05))])
    }
}

private func regressionData(_ count: Int, seed: UInt64) -> TensorDataset {
    var generator = RandomGenerator(seed: seed)
    return TensorDataset(inputs: Tensor.randn([count, 2], using: &generator), targets: Tensor.randn([count, 1], using: &generator))
}

/// Fits `module` for up to 3 epochs of 10 global batches of 4 with `timer` (after `clock`,
/// which moves first), saving checkpoints in `folder`; resumes from `resume` when given.
private func fit(_ module: CountingModule, timer: SwiftDDP.Timer, clock: SteppedClock, folder: String, resume: String? = nil,
                 minEpochs: Int? = nil, communicator: any Communicator) throws -> Trainer {
    let trainer = try Trainer(maxEpochs: 3, minEpochs: minEpochs, numSanityValSteps: 0, seed: 1, communicator: communicator,
                              callbacks: [clock, timer, ModelCheckpoint(directory: folder)], enableProgressBar: false)
    let batchSize = 4 / communicator.worldSize
    try trainer.fit(module, train: DataLoader(regressionData(40, seed: 2), batchSize: batchSize, seed: 3),
                    validation: DataLoader(regressionData(8, seed: 4), batchSize: batchSize, shuffle: false),
                    checkpointPath: resume)
    return trainer
}

@Suite struct TimerTests {
    @Test func readsLightningsDurations() throws {
        #expect(try SwiftDDP.Timer.duration(parsing: "00:12:00:00") == .seconds(43_200))
        #expect(try SwiftDDP.Timer.duration(parsing: " 1:00:01:30 ") == .seconds(86_490))
        #expect(try SwiftDDP.Timer.duration(parsing: "10:00:00:05") == .seconds(864_005))
        for text in ["12:00:00", "00:1:00:00", "00:00:00:0a", "-1:00:00:00", "", "00:00:00:00:00", "1.5"] {
            #expect(throws: TrainerError.self, "\(text)") { try SwiftDDP.Timer.duration(parsing: text) }
        }
    }

    @Test func measuresOnItsClockAndStopsAtTheLimitThenAResumeCountsOn() throws {
        let folder = try makeTemporaryFolder()
        let clock = SteppedClock(secondsPerBatch: 1)
        let timer = SwiftDDP.Timer(duration: .seconds(5), now: { clock.now })
        let module = CountingModule()
        let trainer = try fit(module, timer: timer, clock: clock, folder: folder, communicator: LocalCommunicator())
        // 5 s after 5 batches: training ends there, after a validation (as Lightning), with a checkpoint.
        #expect(module.trained == (0..<5).map { [0, $0] })
        #expect(timer.reachedLimit && trainer.globalStep == 5 && module.validations == 1)
        #expect(isClose(timer.timeElapsed(), to: 5) && isClose(timer.timeRemaining(), to: 0))
        let saved = try Checkpoint.read(from: folder + "/last.safetensors")
        #expect(saved.progress.globalStep == 5 && saved.progress.batchIndex == 5 && saved.progress.epoch == 0)

        // Resumed with 8 s: the 5 s already spent count, so 3 more batches.
        let resumedClock = SteppedClock(secondsPerBatch: 1)
        let longer = SwiftDDP.Timer(duration: .seconds(8), now: { resumedClock.now })
        let resumed = CountingModule()
        let second = try fit(resumed, timer: longer, clock: resumedClock, folder: folder, resume: "last", communicator: LocalCommunicator())
        #expect(resumed.trained == (5..<8).map { [0, $0] } && second.globalStep == 8)
        #expect(isClose(longer.timeElapsed(), to: 8))
    }

    @Test func aSpentTimeLimitStopsBeforeTheFirstBatchOnResume() throws {
        let folder = try makeTemporaryFolder()
        let clock = SteppedClock(secondsPerBatch: 1)
        _ = try fit(CountingModule(), timer: SwiftDDP.Timer(duration: .seconds(3), now: { clock.now }), clock: clock,
                    folder: folder, communicator: LocalCommunicator())
        let again = SteppedClock(secondsPerBatch: 1)
        let module = CountingModule()
        let trainer = try fit(module, timer: SwiftDDP.Timer(duration: .seconds(3), now: { again.now }), clock: again,
                              folder: folder, resume: "last", communicator: LocalCommunicator())
        #expect(module.trained.isEmpty && trainer.globalStep == 3)
    }

    @Test func theLimitWaitsForMinEpochs() throws {
        let clock = SteppedClock(secondsPerBatch: 1)
        let module = CountingModule()
        let trainer = try fit(module, timer: SwiftDDP.Timer(duration: .seconds(2), now: { clock.now }), clock: clock,
                              folder: try makeTemporaryFolder(), minEpochs: 2, communicator: LocalCommunicator())
        #expect(module.trained.count == 20 && trainer.currentEpoch == 2)
    }

    @Test func everyRankStopsWhereRankZerosClockSays() throws {
        let folder = try makeTemporaryFolder()
        let results = ThreadGroupCommunicator.run(worldSize: 2) { communicator in
            // Rank 1's clock runs a hundred times faster: its own reading would stop at once.
            let clock = SteppedClock(secondsPerBatch: communicator.rank == 0 ? 1 : 100)
            let module = CountingModule()
            let trainer = try fit(module, timer: SwiftDDP.Timer(duration: .seconds(4), now: { clock.now }), clock: clock,
                                  folder: folder, communicator: communicator)
            return (module.trained.count, trainer.globalStep)
        }
        for result in results {
            let (trained, step) = try result.get()
            #expect(trained == 4 && step == 4)
        }
    }

    @Test func maxTimeAddsATimerUnlessOneIsGiven() throws {
        let added = try Trainer(maxTime: .seconds(30), communicator: LocalCommunicator())
        let timers = added.callbacks.compactMap { $0 as? SwiftDDP.Timer }
        #expect(timers.count == 1 && timers.first?.duration == 30 && timers.first?.interval == .step)
        let own = SwiftDDP.Timer(duration: .seconds(5), interval: .epoch)
        let kept = try Trainer(maxTime: .seconds(30), communicator: LocalCommunicator(), callbacks: [own])
        #expect(kept.callbacks.count == 1 && kept.callbacks.first === own)
    }
}
