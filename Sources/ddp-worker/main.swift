// ddp-worker: multi-rank scenarios that the distributed tests run under mpirun.
//
//   ddp-worker train [options]         train a small MLP data-parallel, JSON lines on rank 0
//   ddp-worker bench-sync [options]    time GradientSync against one raw MPI_Allreduce
//   ddp-worker mpi-error               a collective MPI rejects, reported as a message
//   ddp-worker bench-scaling           aggregate samples/s of the MLP 784-1024-1024-10 (batch 128 per rank)
//                                      on all ranks against rank 0 alone, alternating, in one job
//   ddp-worker examples [--only a,b]   the optimization-guide examples, one JSON result per line on rank 0
//   ddp-worker resume --dir D [--resume PATH|last]   train with checkpoints, maybe resuming; JSON result on rank 0
//
// Not a user tool: the options exist to inject the failures the tests check.
import Foundation
import DDPBenchmarks
import OptimizationExamples
import SwiftDDP
#if canImport(Glibc)
import Glibc
#endif

/// A mistake on the command line.
struct UsageError: Error, CustomStringConvertible {
    let description: String
}

/// `--name value` options after the scenario name.
struct Options {
    private var values: [String: String] = [:]
    private var flags: Set<String> = []
    private var used: Set<String> = []

    init(_ arguments: ArraySlice<String>) throws {
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            guard argument.hasPrefix("--") else { throw UsageError(description: "unexpected argument '\(argument)'") }
            let name = String(argument.dropFirst(2))
            if let next = rest.first, !next.hasPrefix("--") {
                values[name] = next
                rest.removeFirst()
            } else {
                flags.insert(name)
            }
        }
    }

    mutating func flag(_ name: String) -> Bool {
        used.insert(name)
        return flags.contains(name)
    }

    mutating func int(_ name: String, _ defaultValue: Int) throws -> Int {
        used.insert(name)
        guard let text = values[name] else { return defaultValue }
        guard let value = Int(text) else { throw UsageError(description: "--\(name) needs an integer, got '\(text)'") }
        return value
    }

    mutating func string(_ name: String) -> String? {
        used.insert(name)
        return values[name]
    }

    mutating func float(_ name: String, _ defaultValue: Float) throws -> Float {
        used.insert(name)
        guard let text = values[name] else { return defaultValue }
        guard let value = Float(text) else { throw UsageError(description: "--\(name) needs a number, got '\(text)'") }
        return value
    }

    /// Rejects options no scenario asked for (a typo must not silently change a test).
    func checkAllUsed() throws {
        let unknown = Set(values.keys).union(flags).subtracting(used).sorted()
        if !unknown.isEmpty {
            throw UsageError(description: "unknown option(s): " + unknown.map { "--" + $0 }.joined(separator: ", "))
        }
    }
}

func usageFailure(_ message: String) -> Never {
    fputs("ddp-worker: \(message)\nusage: ddp-worker train|bench-sync [--option value ...]\n", stderr)
    exit(2)
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else { usageFailure("no scenario given") }
var options: Options
do { options = try Options(arguments.dropFirst(2)) } catch { usageFailure("\(error)") }

switch arguments[1] {
case "train":
    let configuration: TrainConfiguration
    do { configuration = try TrainConfiguration(options: &options); try options.checkAllUsed() } catch {
        usageFailure("\(error)")
    }
    let communicator = makeCommunicator(debug: configuration.debug)
    RankFailure.installSignalHandlers(rank: communicator.rank)
    RankFailure.run(communicator: communicator) {
        try train(configuration, communicator: communicator)
    }
    MPICommunicator.finalize()
case "bench-sync":
    let parameterCount: Int, repeats: Int, bucketMiB: Int
    do {
        parameterCount = try options.int("parameters", 10_000_000)
        repeats = try options.int("repeats", 10)
        bucketMiB = try options.int("bucket-mib", GradientSync.defaultBucketCapacityBytes >> 20)
        try options.checkAllUsed()
    } catch { usageFailure("\(error)") }
    let communicator = makeCommunicator()
    RankFailure.installSignalHandlers(rank: communicator.rank)
    let line = GradientSyncBenchmark.run(parameterCount: parameterCount, communicator: communicator,
                                         repeats: repeats, bucketCapacityBytes: bucketMiB << 20)
    if communicator.isRoot { print(line) }
    MPICommunicator.finalize()
case "mpi-error":
    // A broadcast from a rank that does not exist: MPI returns an error code, which must
    // become a one-line message naming the rank, not an abort inside MPI.
    do { try options.checkAllUsed() } catch { usageFailure("\(error)") }
    let communicator = makeCommunicator()
    var byte: UInt8 = 0
    withUnsafeMutableBytes(of: &byte) { communicator.broadcast($0, root: communicator.worldSize + 5) }
    MPICommunicator.finalize()
case "bench-scaling":
    let steps: Int
    let rounds: Int
    do {
        steps = try options.int("steps", 30)
        rounds = try options.int("rounds", 5)
        try options.checkAllUsed()
    } catch { usageFailure("\(error)") }
    let communicator = makeCommunicator()
    RankFailure.installSignalHandlers(rank: communicator.rank)
    RankFailure.run(communicator: communicator) {
        let result = try ScalingBenchmark.compare(communicator: communicator, steps: steps, rounds: rounds)
        if communicator.isRoot { print(result.description) }
    }
    MPICommunicator.finalize()
case "examples":
    let globalBatchSize: Int
    let selected: [Example]
    do {
        globalBatchSize = try options.int("global-batch", 16)
        let names = options.string("only")?.split(separator: ",").map(String.init)
        selected = try names?.map { name in
            guard let example = OptimizationExamples.named(name) else { throw UsageError(description: "no example named '\(name)'") }
            return example
        } ?? OptimizationExamples.all
        try options.checkAllUsed()
    } catch { usageFailure("\(error)") }
    let communicator = makeCommunicator()
    RankFailure.installSignalHandlers(rank: communicator.rank)
    RankFailure.run(communicator: communicator) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for example in selected {
            let result = try example.run(communicator, globalBatchSize)
            if communicator.isRoot { print(String(decoding: try encoder.encode(result), as: UTF8.self)) }
        }
    }
    MPICommunicator.finalize()
case "resume":
    let configuration: ResumeConfiguration
    do { configuration = try ResumeConfiguration(options: &options); try options.checkAllUsed() } catch {
        usageFailure("\(error)")
    }
    let communicator = makeCommunicator()
    RankFailure.installSignalHandlers(rank: communicator.rank)
    RankFailure.run(communicator: communicator) {
        try trainForResume(configuration, communicator: communicator)
    }
    MPICommunicator.finalize()
default:
    usageFailure("unknown scenario '\(arguments[1])'")
}
