import DDPDistributed
import DDPTensor

/// Measures ``GradientSync/synchronize()`` against one raw `MPI_Allreduce` of the same
/// bytes, the floor any gradient sync can reach.
public enum GradientSyncBenchmark {
    /// The figures of one run, in seconds (medians over repeats of the slowest rank's time).
    public struct Result {
        public let parameterCount: Int
        public let bucketCount: Int
        public let worldSize: Int
        public let synchronizeSeconds: Double
        public let allReduceSeconds: Double
        /// Raw `MPI_Allreduce` calls over the same buckets, without any of the sync's own work:
        /// what splitting the bytes into buckets costs by itself.
        public let bucketedAllReduceSeconds: Double
        /// The median over repeats of synchronize time / raw all-reduce time, each pair measured
        /// back to back (steadier than a ratio of medians when the machine's load changes).
        public let ratio: Double
        /// synchronize time / raw all-reduce time of every repeat, in order.
        public let ratios: [Double]
    }

    /// Synchronises the gradients of a model of `parameterCount` parameters (1000 x 1000
    /// weights with their biases, then the remainder) `repeats` times, and all-reduces a
    /// buffer of the same bytes in one call as many times; a collective on every rank.
    public static func measure(
        parameterCount: Int, communicator: any Communicator, repeats: Int = 10,
        bucketCapacityBytes: Int = GradientSync.defaultBucketCapacityBytes, sharedMemory: Bool = true
    ) -> Result {
        measure(shapes: modelShapes(parameterCount: parameterCount), communicator: communicator, repeats: repeats,
                bucketCapacityBytes: bucketCapacityBytes, sharedMemory: sharedMemory)
    }

    /// As ``measure(parameterCount:communicator:repeats:bucketCapacityBytes:sharedMemory:)``,
    /// for a model whose parameters have `shapes`.
    public static func measure(
        shapes: [[Int]], communicator: any Communicator, repeats: Int = 10,
        bucketCapacityBytes: Int = GradientSync.defaultBucketCapacityBytes, sharedMemory: Bool = true
    ) -> Result {
        let parameterCount = shapes.reduce(0) { $0 + $1.reduce(1, *) }
        precondition(parameterCount > 0 && repeats > 0, "the benchmark needs parameters and repeats")
        let parameters = shapes.map { Tensor.zeros($0, requiresGrad: true) }
        let sync = GradientSync(parameters: parameters, communicator: communicator,
                                bucketCapacityBytes: bucketCapacityBytes, sharedMemory: sharedMemory)
        let value = Float(communicator.rank + 1)

        let bytes = sync.buckets.reduce(0) { $0 + $1.byteCount }
        let count = bytes / MemoryLayout<Float>.stride
        let buffer = TensorStorage(count: count)
        let bucketCounts = sync.buckets.map { $0.byteCount / MemoryLayout<Float>.stride }
        func rawAllReduce(_ base: UnsafeMutablePointer<Float>, _ count: Int) {
            if let mpi = communicator as? MPICommunicator {
                mpi.rawAllReduceSum(base, count: count)
            } else {
                communicator.allReduce(UnsafeMutableBufferPointer(start: base, count: count), .sum)
            }
        }

        func timeSynchronize() -> Double {
            // As backward leaves them: every gradient written into its bucket view.
            for parameter in parameters {
                let gradient = parameter.gradDestination!
                gradient.fill(value)
                parameter.grad = gradient
            }
            return slowestRank(communicator) { sync.synchronize() }
        }

        var syncTimes: [Double] = [], rawTimes: [Double] = [], bucketedTimes: [Double] = []
        // All three are interleaved in every repeat, so that a change in the machine's load
        // hits them alike.
        for _ in 0..<(repeats + 1) {
            syncTimes.append(timeSynchronize())

            buffer.base.update(repeating: value, count: count)
            rawTimes.append(slowestRank(communicator) { rawAllReduce(buffer.base, count) })

            buffer.base.update(repeating: value, count: count)
            bucketedTimes.append(slowestRank(communicator) {
                var offset = 0
                for bucketCount in bucketCounts {
                    rawAllReduce(buffer.base + offset, bucketCount)
                    offset += bucketCount
                }
            })
        }
        // The first run of each warms up the transport and the pages; it is not counted.
        let ratios = zip(syncTimes, rawTimes).dropFirst().map { $0 / $1 }
        return Result(parameterCount: parameterCount, bucketCount: sync.buckets.count,
                      worldSize: communicator.worldSize,
                      synchronizeSeconds: median(syncTimes.dropFirst()),
                      allReduceSeconds: median(rawTimes.dropFirst()),
                      bucketedAllReduceSeconds: median(bucketedTimes.dropFirst()),
                      ratio: median(ratios), ratios: ratios)
    }

    /// The figure `name`: synchronize with the buckets in shared memory where the communicator
    /// offers it (the default path) against one raw `MPI_Allreduce` of the same bytes, with
    /// the `MPI_Allreduce` path's figures as details; a collective on every rank.
    public static func result(
        name: String, summary: String, shapes: [[Int]], communicator: any Communicator, repeats: Int = 10
    ) -> BenchmarkResult {
        let shared = measure(shapes: shapes, communicator: communicator, repeats: repeats, sharedMemory: true)
        let allReduce = measure(shapes: shapes, communicator: communicator, repeats: repeats, sharedMemory: false)
        return BenchmarkResult(
            name: name,
            summary: "gradient sync of \(summary) (\(shared.parameterCount) parameters, \(shared.bucketCount) bucket(s)) "
                + "over \(shared.worldSize) ranks, shared memory where offered",
            medianMilliseconds: shared.synchronizeSeconds * 1000,
            reference: "one raw MPI_Allreduce of the same bytes", referenceMilliseconds: shared.allReduceSeconds * 1000,
            pairedRatios: shared.ratios, goal: .atMost(0.35),
            details: [("allreduce_path_ms", allReduce.synchronizeSeconds * 1000),
                      ("allreduce_path_ratio", allReduce.ratio),
                      ("raw_allreduce_per_bucket_ms", allReduce.bucketedAllReduceSeconds * 1000)])
    }

    /// The figure `name`: synchronize through bfloat16 messages (``GradientCompression/bf16``)
    /// against the 32-bit path through the transport on the same gradients, in alternating rounds;
    /// a collective on every rank. Its goal (half the bytes, so at most 0.55x) holds where the
    /// link, not the memory, bounds the sync: between machines (`launch/cluster --rate 1gbit`).
    public static func compressionResult(
        name: String, summary: String, shapes: [[Int]], communicator: any Communicator, repeats: Int = 10
    ) -> BenchmarkResult {
        func gradientSync(_ compression: GradientCompression) -> (GradientSync, [Tensor]) {
            let parameters = shapes.map { Tensor.zeros($0, requiresGrad: true) }
            return (GradientSync(parameters: parameters, communicator: communicator, sharedMemory: false,
                                 compression: compression), parameters)
        }
        let plain = gradientSync(.none), compressed = gradientSync(.bf16)
        let value = Float(communicator.rank + 1) / 3
        func time(_ sync: (GradientSync, [Tensor])) -> Double {
            for parameter in sync.1 {
                let gradient = parameter.gradDestination!
                gradient.fill(value)
                parameter.grad = gradient
            }
            return slowestRank(communicator) { sync.0.synchronize() }
        }
        var plainTimes: [Double] = [], compressedTimes: [Double] = []
        for _ in 0..<(repeats + 1) {
            compressedTimes.append(time(compressed))
            plainTimes.append(time(plain))
        }
        let ratios = zip(compressedTimes, plainTimes).dropFirst().map { $0 / $1 }
        let parameterCount = shapes.reduce(0) { $0 + $1.reduce(1, *) }
        return BenchmarkResult(
            name: name,
            summary: "gradient sync of \(summary) (\(parameterCount) parameters) over \(communicator.worldSize) ranks "
                + "as bfloat16 (all-to-all, fp32 sums, all-gather)",
            medianMilliseconds: median(compressedTimes.dropFirst()) * 1000,
            reference: "the 32-bit path through the transport (MPI_Iallreduce) on the same gradients",
            referenceMilliseconds: median(plainTimes.dropFirst()) * 1000,
            pairedRatios: ratios, goal: .atMost(0.55))
    }

    /// Runs ``measure(parameterCount:communicator:repeats:bucketCapacityBytes:sharedMemory:)``
    /// with the buckets in shared memory (when the communicator offers it) and without, and
    /// describes each in one line.
    public static func run(
        parameterCount: Int = 10_000_000, communicator: any Communicator, repeats: Int = 10,
        bucketCapacityBytes: Int = GradientSync.defaultBucketCapacityBytes
    ) -> String {
        func ms(_ seconds: Double) -> String { format2(seconds * 1000) + " ms" }
        return [true, false].map { sharedMemory in
            let result = measure(parameterCount: parameterCount, communicator: communicator, repeats: repeats,
                                 bucketCapacityBytes: bucketCapacityBytes, sharedMemory: sharedMemory)
            return "gradient sync of \(parameterCount) parameters over \(result.worldSize) rank(s), "
                + "\(result.bucketCount) bucket(s) of at most \(bucketCapacityBytes >> 20) MiB"
                + (sharedMemory ? " (shared memory where offered)" : " (MPI_Allreduce)") + ": "
                + "synchronize \(ms(result.synchronizeSeconds)), raw MPI_Allreduce \(ms(result.allReduceSeconds)), "
                + "ratio \(format2(result.ratio))x; raw MPI_Allreduce per bucket "
                + "\(ms(result.bucketedAllReduceSeconds)) (medians of \(repeats))"
        }.joined(separator: "\n")
    }

    /// Shapes of an MLP-like model with `parameterCount` parameters in all.
    public static func modelShapes(parameterCount: Int) -> [[Int]] {
        var shapes: [[Int]] = []
        var left = parameterCount
        while left >= 1_001_000 {
            shapes += [[1000, 1000], [1000]]
            left -= 1_001_000
        }
        if left > 0 { shapes.append([left]) }
        return shapes
    }

    /// The time `body` took on the slowest rank, after all ranks started together.
    private static func slowestRank(_ communicator: any Communicator, _ body: () -> Void) -> Double {
        communicator.barrier()
        let start = MonotonicClock.seconds()
        body()
        var elapsed = [MonotonicClock.seconds() - start]
        elapsed.withUnsafeMutableBufferPointer { communicator.allReduce($0, .max) }
        return elapsed[0]
    }

    private static func median<C: Collection>(_ values: C) -> Double where C.Element == Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

/// `value` with two decimals.
private func format2(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let fraction = abs(hundredths % 100)
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}
