// ddp-worker: multi-rank scenarios that the distributed tests run under mpirun.
//
//   ddp-worker train [options]         train a small MLP data-parallel, JSON lines on rank 0
//   ddp-worker bench-sync [options]    time GradientSync against one raw MPI_Allreduce
//   ddp-worker mpi-error               a collective MPI rejects, reported as a message
//   ddp-worker bench-scaling           aggregate samples/s of the MLP 784-1024-1024-10 (batch 128 per rank)
//                                      on all ranks against rank 0 alone, alternating, in one job
//   ddp-worker examples [--only a,b]   the optimization-guide examples, one JSON result per line on rank 0
//   ddp-worker resume --dir D [--resume PATH|last]   train with checkpoints, maybe resuming; JSON result on rank 0
//   ddp-worker manual-gradients --use U  a manual step that reads, clips or raw-steps its gradients
//   ddp-worker resnet-replay [--sync-batchnorm]      ten SGD steps of the ResNet PyTorch recorded; JSON result on rank 0
//   ddp-worker gpt-replay --fixture DIR   the recorded PyTorch GPT steps, JSON lines on rank 0
//   ddp-worker small-collectives       small all-reduces and barriers checked on every rank; JSON line on rank 0
//
// Not a user tool: the options exist to inject the failures the tests check.
import ArgumentParser
import Foundation
import DDPBenchmarks
import DDPTestModels
import OptimizationExamples
import SwiftDDP
#if canImport(Glibc)
import Glibc
#endif

/// A mistake in the options that a scenario finds once it runs (the batch does not split
/// over the ranks, say).
struct UsageError: Error, CustomStringConvertible {
    let description: String
}

struct DDPWorker: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ddp-worker",
        abstract: "Multi-rank scenarios that the distributed tests run under mpirun.",
        discussion: "Not a user tool: the options exist to inject the failures the tests check.",
        subcommands: [Train.self, BenchSync.self, MPIErrorScenario.self, BenchScaling.self, Examples.self, Resume.self,
                      ManualGradients.self, ResNetReplayScenario.self, GPTReplay.self, SmallCollectives.self])

    func run() throws {
        throw ValidationError("no scenario given")
    }
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train a small MLP data-parallel; JSON lines on rank 0.")

    @OptionGroup var options: TrainConfiguration

    func run() {
        let communicator = makeCommunicator(debug: options.debug)
        RankFailure.installSignalHandlers(rank: communicator.rank)
        RankFailure.run(communicator: communicator) {
            try train(options, communicator: communicator)
        }
        MPICommunicator.finalize()
    }
}

struct BenchSync: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-sync", abstract: "Time GradientSync against one raw MPI_Allreduce of the same bytes.")

    @Option(parsing: .unconditional, help: "Parameters of the synchronised model.") var parameters = 10_000_000
    @Option(parsing: .unconditional, help: "Timed repeats.") var repeats = 10
    @Option(name: .customLong("bucket-mib"), parsing: .unconditional, help: "Bucket capacity in MiB.")
    var bucketMiB = GradientSync.defaultBucketCapacityBytes >> 20

    func run() {
        let communicator = makeCommunicator()
        RankFailure.installSignalHandlers(rank: communicator.rank)
        let line = GradientSyncBenchmark.run(parameterCount: parameters, communicator: communicator,
                                             repeats: repeats, bucketCapacityBytes: bucketMiB << 20)
        if communicator.isRoot { print(line) }
        MPICommunicator.finalize()
    }
}

struct MPIErrorScenario: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mpi-error", abstract: "A collective MPI rejects, reported as a message.")

    func run() {
        // A broadcast from a rank that does not exist: MPI returns an error code, which must
        // become a one-line message naming the rank, not an abort inside MPI.
        let communicator = makeCommunicator()
        var byte: UInt8 = 0
        withUnsafeMutableBytes(of: &byte) { communicator.broadcast($0, root: communicator.worldSize + 5) }
        MPICommunicator.finalize()
    }
}

struct BenchScaling: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-scaling",
        abstract: "Aggregate samples/s of a workload on all ranks against rank 0 alone, and each rank's peak memory.")

    @Option(help: "mlp-l, gpt or resnet.") var workload = "mlp-l"
    @Flag(help: "The workload at a size that runs in seconds.") var tiny = false
    @Option(parsing: .unconditional, help: "Timed steps per measurement.") var steps = 30
    @Option(parsing: .unconditional, help: "Untimed steps before them.") var warmup = 5
    @Option(parsing: .unconditional, help: "Alternating rounds.") var rounds = 5

    func validate() throws {
        guard ScalingWorkload.all.contains(where: { $0.name == workload }) else { throw ValidationError("no workload named '\(workload)'") }
    }

    func run() {
        let communicator = makeCommunicator()
        RankFailure.installSignalHandlers(rank: communicator.rank)
        RankFailure.run(communicator: communicator) {
            guard let chosen = (tiny ? ScalingWorkload.tiny : ScalingWorkload.all).first(where: { $0.name == workload }) else { return }
            let text = try ScalingBenchmark.report(chosen, communicator: communicator, steps: steps, warmup: warmup, rounds: rounds)
            if communicator.isRoot { print(text) }
        }
        MPICommunicator.finalize()
    }
}

struct Examples: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "examples", abstract: "The optimization-guide examples, one JSON result per line on rank 0.")

    @Option(name: .customLong("global-batch"), parsing: .unconditional, help: "Samples per step over all ranks.")
    var globalBatch = 16
    @Option(help: "Comma-separated names of the examples to run (default: all).") var only: String?

    /// The examples `--only` names, in its order, or all of them.
    func selected() throws -> [Example] {
        guard let only else { return OptimizationExamples.all }
        return try only.split(separator: ",").map(String.init).map { name in
            guard let example = OptimizationExamples.named(name) else {
                throw ValidationError("no example named '\(name)'")
            }
            return example
        }
    }

    func validate() throws {
        _ = try selected()
    }

    func run() throws {
        let selected = try selected()
        let communicator = makeCommunicator()
        RankFailure.installSignalHandlers(rank: communicator.rank)
        RankFailure.run(communicator: communicator) {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            for example in selected {
                let result = try example.run(communicator, globalBatch)
                if communicator.isRoot { print(String(decoding: try encoder.encode(result), as: UTF8.self)) }
            }
        }
        MPICommunicator.finalize()
    }
}

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Train with checkpoints, maybe resuming; JSON result on rank 0.")

    @OptionGroup var options: ResumeConfiguration

    func run() {
        let communicator = makeCommunicator()
        RankFailure.installSignalHandlers(rank: communicator.rank)
        RankFailure.run(communicator: communicator) {
            try trainForResume(options, communicator: communicator)
        }
        MPICommunicator.finalize()
    }
}

struct ResNetReplayScenario: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resnet-replay",
        abstract: "Ten SGD steps of the ResNet recorded by Tests/Reference/pytorch_resnet_replay.py; JSON result on rank 0.")

    @Option(help: "The folder of the recording.") var fixture = ResNetReplay.fixtureDirectory
    @Flag(help: "BatchNorm statistics over all ranks' batches.") var syncBatchnorm = false

    func run() {
        let communicator = makeCommunicator()
        RankFailure.installSignalHandlers(rank: communicator.rank)
        RankFailure.run(communicator: communicator) {
            let result = try ResNetReplay.run(directory: fixture, communicator: communicator, syncBatchNorm: syncBatchnorm)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            if communicator.isRoot { print(String(decoding: try encoder.encode(result), as: UTF8.self)) }
        }
        MPICommunicator.finalize()
    }
}

/// Parses the command line and runs the scenario. A mistake on the command line prints
/// ArgumentParser's message and usage on stderr and exits with status 2; `--help` prints the
/// help on stdout.
func runWorker() -> Never {
    do {
        var command = try DDPWorker.parseAsRoot()
        try command.run()
        exit(0)
    } catch {
        if DDPWorker.exitCode(for: error) == .success {
            print(DDPWorker.fullMessage(for: error))
            exit(0)
        }
        writeToStandardError("ddp-worker: " + DDPWorker.fullMessage(for: error) + "\n")
        exit(2)
    }
}

runWorker()
