import DDPData
import DDPDistributed
import DDPTensor
#if canImport(Glibc)
import CMalloc
import Glibc
#endif

/// Each rank's peak resident memory over a run, against what a step of the workload must
/// hold: parameters, gradients, optimizer state and the activations kept for the backward.
public enum PeakMemoryBenchmark {
    /// What one training step must hold, in bytes, computed from the workload's model.
    public struct Requirement {
        public let parameters: Int
        public let gradients: Int
        public let optimizerState: Int
        /// The heap bytes a forward pass leaves allocated for the backward (the autograd graph).
        public let activations: Int
        public var total: Int { parameters + gradients + optimizerState + activations }
    }

    /// Builds the workload's module and runs its forward on one batch twice, counting the heap
    /// bytes (glibc's `mallinfo2`) the second one leaves allocated; the first makes any
    /// one-time allocations.
    public static func requirement(of workload: ScalingWorkload) throws -> Requirement {
        var generator = RandomGenerator(seed: 4)
        let batch = workload.makeData(workload.batchSize, &generator).batch(at: Array(0..<workload.batchSize))
        let module = workload.makeModule()
        _ = try module.trainingStep(batch, batchIndex: 0)
        let before = heapBytesInUse()
        let loss = try module.trainingStep(batch, batchIndex: 0)
        let activations = heapBytesInUse() - before
        withExtendedLifetime(loss) {}
        let parameterBytes = module.parameterCount * MemoryLayout<Float>.stride
        return Requirement(parameters: parameterBytes, gradients: parameterBytes,
                           optimizerState: parameterBytes * workload.optimizerStatePerParameter, activations: activations)
    }

    /// Bytes allocated and not yet freed: through malloc (0 where unknown) and as large
    /// tensors (``TensorStorage/largeBytesInUse``, mapped apart from malloc's heap).
    public static func heapBytesInUse() -> Int {
        #if canImport(Glibc)
        let info = mallinfo2()
        return Int(info.uordblks) + Int(info.hblkhd) + TensorStorage.largeBytesInUse
        #else
        return TensorStorage.largeBytesInUse
        #endif
    }

    /// The bytes `samples` samples of the workload's random data set hold.
    public static func dataBytes(of workload: ScalingWorkload, samples: Int) -> Int {
        let before = heapBytesInUse()
        var generator = RandomGenerator(seed: 2)
        let data = workload.makeData(samples, &generator)
        return withExtendedLifetime(data) { heapBytesInUse() - before }
    }

    /// The most memory this process has had resident since it started (`getrusage`'s
    /// `ru_maxrss`), in bytes, or 0 where unknown.
    public static func peakResidentBytes() -> Int {
        #if canImport(Glibc)
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        return usage.ru_maxrss * 1024
        #else
        return 0
        #endif
    }

    /// Each rank's figure of `value`, in rank order, on every rank; a collective.
    public static func perRank(_ value: Int, communicator: any Communicator) -> [Int] {
        var values = [Double](repeating: 0, count: communicator.worldSize)
        values[communicator.rank] = Double(value)
        values.withUnsafeMutableBufferPointer { communicator.allReduce($0, .sum) }
        return values.map { Int($0) }
    }

    /// The line `peak-rss-<workload>: ...` for the peaks of every rank.
    /// - Parameter startup: rank 0's peak before any model was built (runtime, MPI, OpenBLAS).
    public static func report(workload: String, peaks: [Int], startup: Int, requirement: Requirement, dataBytes: Int) -> String {
        let worst = peaks.max() ?? 0
        let ranks = peaks.enumerated().map { "rank \($0.offset) \(mib($0.element))" }.joined(separator: ", ")
        let r = requirement
        return "peak-rss-\(workload): \(ranks) MiB at most resident (getrusage ru_maxrss over the whole run) "
            + "against \(mib(r.total)) MiB a step must hold (parameters \(mib(r.parameters)), gradients \(mib(r.gradients)), "
            + "optimizer state \(mib(r.optimizerState)), activations \(mib(r.activations))): "
            + "\(Measurement.format(Double(worst) / Double(max(r.total, 1))))x (goal <= 1.3x); "
            + "of the peak, \(mib(startup)) MiB was resident before any model (runtime, MPI, OpenBLAS) "
            + "and the benchmark's random data set is \(mib(dataBytes)) MiB"
    }

    private static func mib(_ bytes: Int) -> String { Measurement.format(Double(bytes) / 1_048_576, digits: 1) }
}
