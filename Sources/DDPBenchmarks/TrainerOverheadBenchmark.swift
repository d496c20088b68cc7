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

    /// `trainer-overhead`: the trainer's step time against the hand-written loop's, as the
    /// median of the paired repeats' ratios (goal: overhead under 2% of the step).
    public static func result(stepsPerRepeat: Int = 100, repeats: Int = 7) throws -> BenchmarkResult {
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
        let ratios = zip(trainerTimes, handTimes).map { $0 / $1 }
        return BenchmarkResult(
            name: "trainer-overhead",
            summary: "Trainer.fit step, MLP 64-256-256-10, batch 64, SGD momentum, \(BLAS.threadCount) BLAS thread(s), "
                + "\(stepsPerRepeat) steps a round",
            medianMilliseconds: fitted * 1000, samplesPerSecond: 64 / fitted,
            reference: "a hand-written loop of the same steps (model, data order, loss, optimizer)",
            referenceMilliseconds: hand * 1000, referenceSamplesPerSecond: 64 / hand, pairedRatios: ratios,
            goal: .atMost(1.02), details: [("overhead_percent", (Measurement.median(ratios) - 1) * 100)])
    }
}
