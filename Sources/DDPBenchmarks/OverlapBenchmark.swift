import DDPDistributed
import DDPNN
import DDPOptim
import DDPTensor

/// MLP-L's training step (784-1024-1024-10, batch 128 per rank, SGD momentum 0.9) with its
/// gradients averaged through the transport, as across machines, with and without starting
/// each bucket's reduction during backward (``GradientSync/overlapNextBackward()``); the
/// figure `overlap-mlp-l` of `swift-ddp bench overlap`.
///
/// Four times per step, the median over alternating rounds of the slowest rank's time: the
/// step without any sync (compute only), one raw `MPI_Allreduce` of the gradients' bytes,
/// the step with the sync after backward, and the step with the sync started during
/// backward (the same buckets and reductions). A fifth, one `MPI_Iallreduce` and its wait
/// over the same bytes, is the sync's own reduction without buckets or backward.
public enum OverlapBenchmark {
    public static let name = "overlap-mlp-l"

    /// The figure; a collective on every rank. `bucketCapacityBytes` `nil` is the sync's own
    /// default for the transport path.
    public static func result(
        communicator: any Communicator, steps: Int, rounds: Int, bucketCapacityBytes: Int? = nil
    ) throws -> BenchmarkResult {
        let sizes = [784, 1024, 1024, 10], batch = 128
        let model = multilayerPerceptron(sizes, seed: 1)
        let parameters = model.parameters()
        let optimizer = try SGD(parameters, lr: 0.01, momentum: 0.9)
        // Through the transport even when the ranks share a machine (plain mpirun).
        let sync = GradientSync(parameters: parameters, communicator: communicator,
                                bucketCapacityBytes: bucketCapacityBytes, sharedMemory: false)
        var generator = RandomGenerator(seed: 5 + UInt64(communicator.rank))
        let inputs = Tensor.randn([batch, sizes[0]], using: &generator)
        let labels = (0..<batch).map { $0 % 10 }

        enum Mode { case compute, blocking, overlapped }
        /// Seconds spent in synchronize() since the last reset, per mode.
        var syncSeconds: [Double] = [0, 0]
        func step(_ mode: Mode) throws {
            for parameter in parameters { parameter.grad = nil }
            let loss = crossEntropy(model(inputs), targets: labels)
            if mode == .overlapped { sync.overlapNextBackward() }
            loss.backward()
            if mode != .compute {
                let start = MonotonicClock.seconds()
                sync.synchronize()
                syncSeconds[mode == .blocking ? 0 : 1] += MonotonicClock.seconds() - start
            }
            try optimizer.step()
        }
        let count = sync.buckets.reduce(0) { $0 + $1.byteCount } / MemoryLayout<Float>.stride
        let raw = TensorStorage(count: count)
        raw.base.update(repeating: Float(communicator.rank + 1), count: count)
        func allReduce() {
            if let mpi = communicator as? MPICommunicator {
                mpi.rawAllReduceSum(raw.base, count: count)
            } else {
                communicator.allReduce(UnsafeMutableBufferPointer(start: raw.base, count: count), .sum)
            }
        }
        let nonblockingResult = TensorStorage(count: count)
        func nonblockingAllReduce() {
            communicator.startAllReduceMean(UnsafeMutableBufferPointer(start: raw.base, count: count),
                                            into: UnsafeMutableBufferPointer(start: nonblockingResult.base, count: count)).wait()
        }
        /// Seconds per repetition of `body` on the slowest rank.
        func time(_ body: () throws -> Void) rethrows -> Double {
            communicator.barrier()
            let start = MonotonicClock.seconds()
            for _ in 0..<steps { try body() }
            var elapsed = [(MonotonicClock.seconds() - start) / Double(steps)]
            elapsed.withUnsafeMutableBufferPointer { communicator.allReduce($0, .max) }
            return elapsed[0]
        }

        // One untimed step of each kind first: pages, the transport's connections.
        try step(.compute)
        try step(.blocking)
        try step(.overlapped)
        allReduce()
        nonblockingAllReduce()
        let startedBefore = sync.bucketsStartedDuringBackward
        var compute: [Double] = [], allReduces: [Double] = [], nonblocking: [Double] = []
        var blocking: [Double] = [], overlapped: [Double] = []
        var syncWaits: [Double] = [], overlappedWaits: [Double] = []
        for _ in 0..<rounds {
            syncSeconds = [0, 0]
            compute.append(try time { try step(.compute) })
            allReduces.append(time(allReduce))
            nonblocking.append(time(nonblockingAllReduce))
            blocking.append(try time { try step(.blocking) })
            overlapped.append(try time { try step(.overlapped) })
            syncWaits.append(syncSeconds[0] / Double(steps))
            overlappedWaits.append(syncSeconds[1] / Double(steps))
        }
        let startedPerStep = Double(sync.bucketsStartedDuringBackward - startedBefore) / Double(rounds * steps)
        let againstBlocking = zip(overlapped, blocking).map { $0 / $1 }
        let againstCompute = zip(overlapped, compute).map { $0 / $1 }
        let median = Measurement.median
        let ms = { (seconds: [Double]) in median(seconds) * 1000 }
        // The share of the blocking sync's time that overlap took off the step.
        let hidden = zip(zip(compute, blocking), overlapped).map { times, overlap in
            times.1 > times.0 ? (times.1 - overlap) / (times.1 - times.0) : 0
        }
        return BenchmarkResult(
            name: name,
            summary: "MLP \(sizes.map(String.init).joined(separator: "-")), batch \(batch) per rank, SGD momentum 0.9, "
                + "over \(communicator.worldSize) ranks through the transport, \(sync.buckets.count) bucket(s) of at most "
                + "\(Measurement.format(Double(bucketCapacityBytes ?? GradientSync.defaultTransportBucketCapacityBytes) / 1_048_576, digits: 1)) MiB; "
                + "step with the bucket reductions started during backward (goals: <= 0.90x the step without overlap on "
                + "1 Gbit/s links, <= 1.10x compute only on 10 Gbit/s)",
            medianMilliseconds: ms(overlapped),
            reference: "the same step with the sync after backward (same buckets)", referenceMilliseconds: ms(blocking),
            pairedRatios: againstBlocking, goal: .atMost(0.9),
            details: [("compute_ms", ms(compute)), ("allreduce_ms", ms(allReduces)), ("iallreduce_ms", ms(nonblocking)),
                      ("step_ms", ms(blocking)),
                      // Rank 0's time inside synchronize(): all of the sync, or what backward left.
                      ("sync_ms", ms(syncWaits)), ("overlap_sync_wait_ms", ms(overlappedWaits)),
                      ("overlap_step_ms", ms(overlapped)), ("overlap_vs_compute_ratio", median(againstCompute)),
                      ("overlap_vs_step_ratio", median(againstBlocking)), ("hidden_sync_fraction", median(hidden)),
                      ("buckets", Double(sync.buckets.count)), ("buckets_started_in_backward", startedPerStep)])
    }
}
