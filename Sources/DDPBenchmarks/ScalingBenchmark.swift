import DDPData
import DDPDistributed
import DDPTensor
import DDPTrainer

/// Data-parallel throughput (weak scaling): a ``ScalingWorkload`` trained by the ``Trainer``
/// with a fixed per-rank batch, on rank 0 alone and on all ranks, as aggregate samples per second.
public enum ScalingBenchmark {
    /// Trains `steps` timed steps (after `warmup` untimed ones) on an epoch of `data` (at
    /// least ``samples(_:worldSize:steps:warmup:)`` samples) and returns the aggregate
    /// samples per second over all ranks (the same on every rank).
    public static func samplesPerSecond(
        _ workload: ScalingWorkload, data: any Dataset, communicator: any Communicator, steps: Int = 30, warmup: Int = 5
    ) throws -> Double {
        let samples = Self.samples(workload, worldSize: communicator.worldSize, steps: steps, warmup: warmup)
        let data = data.count == samples ? data : Subset(data, indices: Array(0..<samples))
        let loader = try DataLoader(data, batchSize: workload.batchSize, seed: 3)
        let timer = StepTimer(warmup: warmup)
        let trainer = try Trainer(maxEpochs: 1, communicator: communicator, callbacks: [timer], enableProgressBar: false)
        try trainer.fit(workload.makeModule(), train: loader)
        let seconds = communicator.mean([timer.elapsed])[0]
        return Double(workload.batchSize * communicator.worldSize * steps) / seconds
    }

    /// The samples of one epoch of `steps + warmup` steps on `worldSize` ranks.
    public static func samples(_ workload: ScalingWorkload, worldSize: Int, steps: Int, warmup: Int) -> Int {
        workload.batchSize * worldSize * (steps + warmup)
    }

    /// The figures of ``compare(_:communicator:steps:warmup:rounds:)``.
    public struct Comparison {
        public let workload: String
        public let summary: String
        public let worldSize: Int
        /// Medians over the rounds, aggregate samples per second.
        public let oneRank: Double
        public let allRanks: Double
        /// All ranks' rate / one rank's rate, one per round, each pair measured back to back.
        public let ratios: [Double]
        /// The median of ``ratios`` (steadier than a ratio of medians when the machine's load changes).
        public var speedup: Double { Measurement.median(ratios) }

        /// The figures in one line, named `scale-<workload>`.
        public var description: String {
            "scale-\(workload): \(summary), OpenBLAS threads \(BLAS.threadCount): "
                + "1 rank \(Int(oneRank)) samples/s, \(worldSize) ranks \(Int(allRanks)) samples/s aggregate: "
                + "\(Measurement.format(speedup))x (spread \(Measurement.format(ratios.min() ?? 0))-"
                + "\(Measurement.format(ratios.max() ?? 0))x over \(ratios.count) alternating rounds; goal >= 1.8x on 2 ranks)"
        }
    }

    /// Measures, in one job and alternating `rounds` times, rank 0 training alone (the other
    /// ranks wait) and all ranks training together; a collective.
    public static func compare(
        _ workload: ScalingWorkload, communicator: any Communicator, steps: Int = 30, warmup: Int = 5, rounds: Int = 5
    ) throws -> Comparison {
        // One data set for every round, built once: rank 0 alone trains on its first samples.
        var generator = RandomGenerator(seed: 2)
        let data = workload.makeData(samples(workload, worldSize: communicator.worldSize, steps: steps, warmup: warmup), &generator)
        var alone: [Double] = [], together: [Double] = []
        for _ in 0..<rounds {
            // Each side starts without the other's freed tensors cached, so the peak memory
            // of the run is that of training, not of alternating one rank and all of them.
            TensorStorage.releaseCachedMemory()
            var rate = [0.0]
            if communicator.isRoot {
                rate[0] = try samplesPerSecond(workload, data: data, communicator: LocalCommunicator(), steps: steps, warmup: warmup)
            }
            rate.withUnsafeMutableBufferPointer { communicator.allReduce($0, .sum) }
            alone.append(rate[0])
            TensorStorage.releaseCachedMemory()
            together.append(try samplesPerSecond(workload, data: data, communicator: communicator, steps: steps, warmup: warmup))
        }
        return Comparison(workload: workload.name, summary: workload.summary, worldSize: communicator.worldSize,
                          oneRank: Measurement.median(alone), allRanks: Measurement.median(together),
                          ratios: zip(together, alone).map { $0 / $1 })
    }

    /// The `scale-<workload>` line of ``compare(_:communicator:steps:warmup:rounds:)`` and the
    /// `peak-rss-<workload>` line of every rank's peak memory over that run, against what a
    /// step must hold. Run one workload per process: the peak counts from the process's start.
    public static func report(
        _ workload: ScalingWorkload, communicator: any Communicator, steps: Int, warmup: Int = 5, rounds: Int = 5
    ) throws -> String {
        let startup = PeakMemoryBenchmark.peakResidentBytes()
        let requirement = try PeakMemoryBenchmark.requirement(of: workload)
        let dataBytes = PeakMemoryBenchmark.dataBytes(of: workload, samples: samples(workload, worldSize: communicator.worldSize, steps: steps, warmup: warmup))
        let comparison = try compare(workload, communicator: communicator, steps: steps, warmup: warmup, rounds: rounds)
        let peaks = PeakMemoryBenchmark.perRank(PeakMemoryBenchmark.peakResidentBytes(), communicator: communicator)
        return comparison.description + "\n"
            + PeakMemoryBenchmark.report(workload: workload.name, peaks: peaks, startup: startup,
                                         requirement: requirement, dataBytes: dataBytes)
    }

    /// The figure `scale-<workload>` of ``compare(_:communicator:steps:warmup:rounds:)`` and,
    /// with `peakMemory`, `peak-rss-<workload>`: the largest rank's peak resident memory since
    /// the process started against what a step must hold (so run that workload first).
    public static func results(
        _ workload: ScalingWorkload, communicator: any Communicator, steps: Int, warmup: Int = 5, rounds: Int = 5,
        peakMemory: Bool
    ) throws -> [BenchmarkResult] {
        let startup = PeakMemoryBenchmark.peakResidentBytes()
        let requirement = peakMemory ? try PeakMemoryBenchmark.requirement(of: workload) : nil
        let dataBytes = peakMemory
            ? PeakMemoryBenchmark.dataBytes(of: workload, samples: samples(workload, worldSize: communicator.worldSize, steps: steps, warmup: warmup)) : 0
        let c = try compare(workload, communicator: communicator, steps: steps, warmup: warmup, rounds: rounds)
        let samplesPerRankStep = Double(workload.batchSize)
        var results = [BenchmarkResult(
            name: "scale-\(workload.name)",
            summary: "\(workload.summary), Trainer.fit, \(c.worldSize) ranks against 1, \(BLAS.threadCount) BLAS thread(s) "
                + "per rank, \(steps) steps a round",
            medianMilliseconds: samplesPerRankStep * Double(c.worldSize) / c.allRanks * 1000, samplesPerSecond: c.allRanks,
            reference: "rank 0 training alone (aggregate samples/s)",
            referenceMilliseconds: samplesPerRankStep / c.oneRank * 1000, referenceSamplesPerSecond: c.oneRank,
            pairedRatios: c.ratios, goal: .atLeast(workload.speedUpGoal))]
        if let requirement {
            let peaks = PeakMemoryBenchmark.perRank(PeakMemoryBenchmark.peakResidentBytes(), communicator: communicator)
            let worst = peaks.max() ?? 0
            let end = MemorySnapshot.now()
            results.append(BenchmarkResult(
                name: "peak-rss-\(workload.name)",
                summary: "largest peak resident memory of \(c.worldSize) ranks (getrusage ru_maxrss) over scale-\(workload.name)",
                reference: "parameters + gradients + optimizer state + activations of one step",
                value: worst, referenceValue: requirement.total, pairedRatios: [],
                ratio: Double(worst) / Double(max(requirement.total, 1)), rounds: rounds, goal: .atMost(1.3),
                details: peaks.enumerated().map { ("rank\($0.offset)_peak_bytes", Double($0.element)) } + [
                    ("parameter_bytes", Double(requirement.parameters)), ("activation_bytes", Double(requirement.activations)),
                    ("rank0_startup_peak_bytes", Double(startup)),
                    ("rank0_peak_above_startup_bytes", Double(peaks[0] - startup)),
                    ("data_set_bytes", Double(dataBytes)),
                ] + end.breakdown.map { ("rank0_end_\($0.key)_bytes", Double($0.value)) }))
        }
        return results
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
