import DDPData
import DDPDistributed
import DDPNN
import DDPOptim
import DDPTensor
import DDPTrainer

/// Data-parallel throughput: the MLP 784-1024-1024-10 trained by the ``Trainer`` with a fixed
/// per-rank batch; run it on 1 and on N ranks and compare the aggregate samples per second.
public enum ScalingBenchmark {
    final class LargeMLP: Module, TrainingModule {
        let net: Sequential
        override var namedChildren: [(String, Module)] { [("net", net)] }

        override init() {
            var generator = RandomGenerator(seed: 1)
            net = Sequential(Linear(784, 1024, using: &generator), ReLU(), Linear(1024, 1024, using: &generator), ReLU(),
                             Linear(1024, 10, using: &generator))
        }

        func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
            crossEntropy(net(batch.inputs), targets: batch.labels)
        }

        func configureOptimizers() throws -> OptimizerConfiguration {
            OptimizerConfiguration(try SGD(parameters(), lr: 0.01, momentum: 0.9))
        }
    }

    /// Trains `steps` timed steps (after `warmup` untimed ones) and returns the aggregate
    /// samples per second over all ranks (the same on every rank).
    public static func samplesPerSecond(
        communicator: any Communicator, batchSize: Int = 128, steps: Int = 30, warmup: Int = 5
    ) throws -> Double {
        var generator = RandomGenerator(seed: 2)
        let count = batchSize * communicator.worldSize * (steps + warmup)
        let data = TensorDataset(inputs: Tensor.randn([count, 784], using: &generator), labels: (0..<count).map { $0 % 10 })
        let loader = try DataLoader(data, batchSize: batchSize, seed: 3)
        let module = LargeMLP()
        let timer = StepTimer(warmup: warmup)
        let trainer = try Trainer(maxEpochs: 1, communicator: communicator, callbacks: [timer], enableProgressBar: false)
        try trainer.fit(module, train: loader)
        let seconds = communicator.mean([timer.elapsed])[0]
        return Double(batchSize * communicator.worldSize * steps) / seconds
    }

    /// The figures of ``compare(communicator:batchSize:steps:rounds:)``.
    public struct Comparison {
        public let worldSize: Int
        /// Medians over the rounds, aggregate samples per second.
        public let oneRank: Double
        public let allRanks: Double
        /// The median over rounds of all ranks' rate / one rank's rate, each pair measured
        /// back to back (steadier than a ratio of medians when the machine's load changes).
        public let speedup: Double
        public let rounds: Int

        /// The figures in one line.
        public var description: String {
            "MLP 784-1024-1024-10, batch 128 per rank, OpenBLAS threads \(BLAS.threadCount): "
                + "1 rank \(Int(oneRank)) samples/s, \(worldSize) ranks \(Int(allRanks)) samples/s aggregate: "
                + "\(Measurement.format(speedup))x (goal >= 1.8x on 2 ranks; median of \(rounds) alternating rounds)"
        }
    }

    /// Measures, in one job and alternating `rounds` times, rank 0 training alone (the other
    /// ranks wait) and all ranks training together; a collective.
    public static func compare(
        communicator: any Communicator, batchSize: Int = 128, steps: Int = 30, rounds: Int = 5
    ) throws -> Comparison {
        var alone: [Double] = [], together: [Double] = []
        for _ in 0..<rounds {
            var rate = [0.0]
            if communicator.isRoot {
                rate[0] = try samplesPerSecond(communicator: LocalCommunicator(), batchSize: batchSize, steps: steps)
            }
            rate.withUnsafeMutableBufferPointer { communicator.allReduce($0, .sum) }
            alone.append(rate[0])
            together.append(try samplesPerSecond(communicator: communicator, batchSize: batchSize, steps: steps))
        }
        let ratios = zip(together, alone).map { $0 / $1 }
        return Comparison(worldSize: communicator.worldSize, oneRank: Measurement.median(alone),
                          allRanks: Measurement.median(together), speedup: Measurement.median(ratios), rounds: rounds)
    }

    /// Times the batches after the first `warmup`.
    final class StepTimer: Callback {
        let warmup: Int
        var started = 0.0
        var elapsed = 0.0
        init(warmup: Int) { self.warmup = warmup }

        func onTrainBatchEnd(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws {
            if batchIndex + 1 == warmup { started = MonotonicClock.seconds() }
            if trainer.isLastBatch { elapsed = MonotonicClock.seconds() - started }
        }
    }
}
