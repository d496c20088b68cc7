import DDPData
import DDPDistributed
import DDPNN
import DDPOptim
import DDPTensor
import DDPTrainer
import Foundation
#if canImport(Glibc)
import CMalloc
import Glibc
#endif

/// Strategy zero1 against ddp on Adam over a 10M-parameter MLP (784-2048-2048-2048-10, 32
/// random images per rank): each rank's peak resident memory, and the time of a step
/// (forward, backward, gradient sync, optimizer step, and under zero1 the owners' broadcasts of their parameters).
///
/// Both strategies run in the same processes, in alternating rounds (ddp first in even
/// rounds, zero1 first in odd ones). Each side builds its model, optimizer and sync afresh;
/// before it, the previous side's memory is handed back to the system (`malloc_trim`) and the
/// kernel's peak (`VmHWM`) is reset to the current resident size (`/proc/self/clear_refs`),
/// so each side's `VmHWM` is the peak of that side alone, above what the process held before.
public enum ZeroRedundancyBenchmark {
    public static let layerSizes = [784, 2048, 2048, 2048, 10]
    public static let batchSize = 32

    /// One side of one round on this rank.
    struct Side {
        var seconds: Double
        var peakBytes: Int
        var baselineBytes: Int
        /// Under zero1, the seconds of one exchange of every owner's parameters (timed apart).
        var exchangeSeconds: Double?
    }

    /// `zero1-rss-adam-10m` and `zero1-step-adam-10m`; a collective.
    public static func results(communicator: any Communicator, steps: Int, rounds: Int) throws -> [BenchmarkResult] {
        var generator = RandomGenerator(seed: 5)
        let inputs = Tensor.randn([batchSize, layerSizes[0]], using: &generator)
        let labels = (0..<batchSize).map { _ in Int(generator.next() % UInt64(layerSizes.last!)) }
        var ddp: [Side] = [], zero1: [Side] = []
        var peakResetWorks = true
        for round in 0..<rounds {
            for strategy in round % 2 == 0 ? [Strategy.ddp, .zero1] : [.zero1, .ddp] {
                peakResetWorks = resetPeak() && peakResetWorks
                communicator.barrier()
                let side = try measure(strategy, inputs: inputs, labels: labels, communicator: communicator, steps: steps)
                if strategy == .ddp { ddp.append(side) } else { zero1.append(side) }
            }
        }
        // Per round, the largest rank's figure of each side.
        func largest(_ values: [Double]) -> [Double] {
            var buffer = values
            buffer.withUnsafeMutableBufferPointer { communicator.allReduce($0, .max) }
            return buffer
        }
        let ddpPeaks = largest(ddp.map { Double($0.peakBytes) }), zero1Peaks = largest(zero1.map { Double($0.peakBytes) })
        let ddpTimes = largest(ddp.map(\.seconds)), zero1Times = largest(zero1.map(\.seconds))
        let baseline = largest(ddp.map { Double($0.baselineBytes) } + zero1.map { Double($0.baselineBytes) }).max() ?? 0
        let parameterCount = zip(layerSizes, layerSizes.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 + $1.1 }
        // The partition deals whole tensors, so the largest share can exceed 1 / ranks.
        let shapes = zip(layerSizes, layerSizes.dropFirst()).flatMap { [$0.0 * $0.1, $0.1] }
        let largestShare = Double(ZeroRedundancyPartition(groupSizes: [shapes], worldSize: communicator.worldSize)
            .elementsPerRank.max() ?? 0) / Double(parameterCount)
        let ranks = communicator.worldSize
        let peakNote = peakResetWorks ? "VmHWM reset before each side" : "VmHWM could not be reset: peaks count from the process start"
        let rss = BenchmarkResult(
            name: "zero1-rss-adam-10m",
            summary: "largest peak resident memory of \(ranks) ranks (\(peakNote)) training an MLP of \(parameterCount) "
                + "parameters with Adam under strategy zero1, \(steps) steps a round",
            reference: "the same under strategy ddp, in alternating rounds",
            value: Int(Measurement.median(zero1Peaks)), referenceValue: Int(Measurement.median(ddpPeaks)),
            pairedRatios: zip(zero1Peaks, ddpPeaks).map { $0 / $1 }, goal: .atMost(0.65),
            details: [("parameter_bytes", Double(parameterCount * 4)), ("largest_owned_share", largestShare),
                      ("largest_resident_bytes_before_a_side", baseline),
                      ("zero1_peak_above_before_bytes", Measurement.median(zero1Peaks) - baseline),
                      ("ddp_peak_above_before_bytes", Measurement.median(ddpPeaks) - baseline)])
        let step = BenchmarkResult(
            name: "zero1-step-adam-10m",
            summary: "training step (forward, backward, gradient sync, Adam, parameter broadcast) of the same MLP, "
                + "\(batchSize) samples per rank, \(ranks) ranks on one host, strategy zero1, \(BLAS.threadCount) BLAS thread(s)",
            medianMilliseconds: Measurement.median(zero1Times) / Double(steps) * 1000,
            reference: "the same step under strategy ddp, in alternating rounds",
            referenceMilliseconds: Measurement.median(ddpTimes) / Double(steps) * 1000,
            pairedRatios: zip(zero1Times, ddpTimes).map { $0 / $1 }, goal: .atMost(1.1),
            details: [("zero1_parameter_broadcast_ms", Measurement.median(largest(zero1.compactMap(\.exchangeSeconds))) * 1000)])
        return [rss, step]
    }

    /// Builds the model, Adam and the gradient sync (and under zero1 the shard), runs two
    /// untimed steps and `steps` timed ones, and reads this rank's peak.
    static func measure(
        _ strategy: Strategy, inputs: Tensor, labels: [Int], communicator: any Communicator, steps: Int
    ) throws -> Side {
        let baseline = Measurement.residentBytes()
        let model = multilayerPerceptron(layerSizes, seed: 9)
        let parameters = model.parameters()
        let adam = try Adam(parameters, lr: 1e-4)
        let shard = strategy == .zero1 ? try ZeroRedundancyShard(adam, communicator: communicator) : nil
        let sync = GradientSync(parameters: parameters, communicator: communicator)
        func step() throws {
            for parameter in parameters { parameter.grad = nil }
            crossEntropy(model(inputs), targets: labels).backward()
            sync.synchronize()
            if let shard { try shard.step() } else { try adam.step() }
        }
        for _ in 0..<2 { try step() }
        communicator.barrier()
        let start = MonotonicClock.seconds()
        for _ in 0..<steps { try step() }
        communicator.barrier()
        let seconds = MonotonicClock.seconds() - start
        // The parameters are the same on every rank by now: broadcasting them again changes nothing.
        let exchanges = shard.map { shard in Measurement.time(warmup: 0, repeats: 3) { shard.broadcastParameters() } }
        return Side(seconds: seconds, peakBytes: peakResidentBytes(), baselineBytes: baseline,
                    exchangeSeconds: exchanges.map(Measurement.median))
    }

    /// Hands freed heap memory back to the system and resets the kernel's peak resident size
    /// to the current one; `false` where that cannot be done.
    static func resetPeak() -> Bool {
        TensorStorage.releaseCachedMemory()
        #if canImport(Glibc)
        _ = malloc_trim(0)
        let descriptor = open("/proc/self/clear_refs", O_WRONLY)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return write(descriptor, "5", 1) == 1
        #else
        return false
        #endif
    }

    /// `VmHWM` of `/proc/self/status`: the peak resident size since the last reset, in bytes.
    static func peakResidentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "")
        else { return 0 }
        return kilobytes * 1024
    }
}
