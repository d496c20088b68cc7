import DDPData
import DDPDistributed
import DDPNN
import DDPOptim
import DDPTensor
import DDPTrainer

/// The trainer's own cost per step: `Trainer.fit` against a hand-written loop doing the same
/// work (same model, data order, loss and SGD-with-momentum steps), on the small MLP
/// 64-256-256-10 with batches of 64. Repeats alternate the two so machine noise hits both.
public enum TrainerOverheadBenchmark {
    final class Classifier: Module, TrainingModule {
        let net: Sequential
        override var namedChildren: [(String, Module)] { [("net", net)] }

        init(seed: UInt64) {
            var generator = RandomGenerator(seed: seed)
            net = Sequential(Linear(64, 256, using: &generator), ReLU(), Linear(256, 256, using: &generator), ReLU(),
                             Linear(256, 10, using: &generator))
        }

        func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
            let loss = crossEntropy(net(batch.inputs), targets: batch.labels)
            log("train_loss", loss)
            return loss
        }

        func configureOptimizers() throws -> OptimizerConfiguration {
            OptimizerConfiguration(try SGD(parameters(), lr: 0.01, momentum: 0.9))
        }
    }

    /// One line per figure: median step times and the trainer's overhead as a share of its step.
    public static func report(stepsPerRepeat: Int = 100, repeats: Int = 7) throws -> String {
        var generator = RandomGenerator(seed: 1)
        let count = 64 * stepsPerRepeat
        let data = TensorDataset(inputs: Tensor.randn([count, 64], using: &generator),
                                 labels: (0..<count).map { $0 % 10 })
        let loader = try DataLoader(data, batchSize: 64, seed: 2)
        var handTimes: [Double] = [], trainerTimes: [Double] = []
        for repeatIndex in 0...repeats {
            // Hand-written loop.
            let handModel = Classifier(seed: 3)
            let sgd = try SGD(handModel.parameters(), lr: 0.01, momentum: 0.9)
            var started = MonotonicClock.seconds()
            for batch in loader.batches(epoch: 0) {
                sgd.zeroGrad()
                let loss = crossEntropy(handModel.net(batch.inputs), targets: batch.labels)
                loss.backward()
                try sgd.step()
            }
            let hand = (MonotonicClock.seconds() - started) / Double(stepsPerRepeat)
            // The same through the trainer.
            let module = Classifier(seed: 3)
            let trainer = try Trainer(maxEpochs: 1, logEveryNSteps: 50, communicator: LocalCommunicator(),
                                      enableProgressBar: false)
            started = MonotonicClock.seconds()
            try trainer.fit(module, train: loader)
            let fitted = (MonotonicClock.seconds() - started) / Double(stepsPerRepeat)
            if repeatIndex > 0 {   // the first repeat warms caches and the allocator
                handTimes.append(hand)
                trainerTimes.append(fitted)
            }
        }
        let hand = Measurement.median(handTimes), fitted = Measurement.median(trainerTimes)
        let overheads = zip(handTimes, trainerTimes).map { ($1 - $0) / $1 }
        return [
            "trainer overhead, MLP 64-256-256-10, batch 64, SGD momentum, 1 thread:",
            "  hand-written loop step  \(Measurement.format(hand * 1e3, digits: 3)) ms",
            "  Trainer.fit step        \(Measurement.format(fitted * 1e3, digits: 3)) ms",
            "  overhead                \(Measurement.format(Measurement.median(overheads) * 100, digits: 1)) % of the step (goal < 5 %; median of \(repeats) paired repeats)",
        ].joined(separator: "\n")
    }
}
