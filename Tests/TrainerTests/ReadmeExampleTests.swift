import DDPTestSupport
import SwiftDDP
import Testing

/// The README's "Training your own model" example, as written there (one epoch, no files).
private final class ReadmeClassifier: Module, TrainingModule {
    let net: Sequential
    override var namedChildren: [(String, Module)] { [("net", net)] }

    init(seed: UInt64 = 0) {
        var generator = RandomGenerator(seed: seed)
        net = Sequential(Linear(64, 128, using: &generator), ReLU(), Linear(128, 10, using: &generator))
    }

    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let loss = crossEntropy(net(batch.inputs), targets: batch.labels)
        log("train_loss", loss, progressBar: true, syncDist: true)
        return loss
    }

    func validationStep(_ batch: Batch, batchIndex: Int) throws {
        log("val_loss", crossEntropy(net(batch.inputs), targets: batch.labels))
    }

    func configureOptimizers() throws -> OptimizerConfiguration {
        let adam = try Adam(parameters(), lr: 1e-3)
        return OptimizerConfiguration(adam, scheduler: .init(try ReduceLROnPlateau(adam), monitor: "val_loss"))
    }
}

struct ReadmeExampleTests {
    @Test func theReadmeExampleTrains() throws {
        let digits = try Digits.load()
        let (training, validation) = try randomSplit(digits, validationFraction: 0.1, seed: 0)
        let trainer = try Trainer(maxEpochs: 2, accumulateGradBatches: 2, gradientClipVal: 0.5,
                                  communicator: LocalCommunicator(),
                                  callbacks: [EarlyStopping(monitor: "val_loss"), LearningRateMonitor()],
                                  enableProgressBar: false, keepLoggedEvents: true)
        try trainer.fit(ReadmeClassifier(), train: DataLoader(training, batchSize: 32),
                        validation: DataLoader(validation, batchSize: 256, shuffle: false))
        let losses = trainer.loggedEvents.compactMap { $0.value(named: "val_loss") }
        #expect(losses.count == 2 && losses[1] < losses[0], "\(losses)")
    }
}
