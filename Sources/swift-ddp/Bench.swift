import ArgumentParser
import Foundation
import DDPBenchmarks
import SwiftDDP

/// `swift-ddp bench`: prints the speed and memory figures the project's goals are checked by.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print speed and memory figures (run with OPENBLAS_NUM_THREADS=1 for the single-thread goals).",
        discussion: """
            core, trainer, optimizer, resnet, gpt: one process. sync, scaling: under mpirun, e.g.
            mpirun -np 2 -x OPENBLAS_NUM_THREADS=1 swift-ddp bench scaling --workload gpt
            scaling prints scale-<workload> (aggregate samples/s of all ranks against rank 0 alone)
            and peak-rss-<workload> (each rank's peak memory against what a step must hold), one
            workload per run so that the peak is that workload's.
            """)

    enum Suite: String, ExpressibleByArgument, CaseIterable {
        case core, trainer, optimizer
        /// The train step of `--model resnet` (batch 64 of 28x28 images).
        case resnet
        /// One GPT training step (4 layers, 4 heads, 256 wide, context 128, batch 16).
        case gpt
        /// Gradient sync of 10M parameters against one raw MPI_Allreduce of the same bytes.
        case sync
        /// Aggregate samples/s of all ranks against rank 0 alone, and each rank's peak memory (`--workload`).
        case scaling
    }

    @Argument(help: "Which figures: \(Suite.allCases.map(\.rawValue).joined(separator: ", ")).")
    var suite: Suite = .core

    @Option(help: "Timed steps per measurement.") var steps = 60
    @Option(help: "The model of bench scaling: \(ScalingWorkload.all.map(\.name).joined(separator: ", ")).")
    var workload = ScalingWorkload.largeMLP().name
    @Flag(help: "Also time PyTorch on the same models in this run (needs python3 with torch).")
    var comparePytorch = false

    func validate() throws {
        guard ScalingWorkload.all.contains(where: { $0.name == workload }) else {
            throw ValidationError("no workload named '\(workload)'; choose one of \(ScalingWorkload.all.map(\.name).joined(separator: ", "))")
        }
    }

    func run() throws {
        switch suite {
        case .core:
            let pytorch = comparePytorch ? try PyTorchReference.measure("pytorch_mlp.py", steps: steps) : [:]
            print(CoreBenchmarks.report(steps: steps, pytorch: pytorch))
        case .resnet:
            let resnetSteps = max(steps / 6, 5)
            let pytorch = comparePytorch ? try PyTorchReference.measure("pytorch_resnet.py", steps: resnetSteps) : [:]
            print(try ResNetStepBenchmark.report(steps: resnetSteps, pytorch: pytorch))
        case .trainer:
            print(try TrainerOverheadBenchmark.report(stepsPerRepeat: max(steps, 20)))
        case .optimizer:
            print(try OptimizerStepBenchmark.report())
        case .gpt:
            let pytorch = comparePytorch ? try PyTorchReference.gptStepSeconds(threads: BLAS.threadCount, steps: max(steps / 3, 10)) : nil
            print(try GPTStepBenchmark.report(steps: max(steps / 3, 10), pytorchSeconds: pytorch))
        case .sync, .scaling:
            let communicator = makeCommunicator()
            defer { MPICommunicator.finalize() }
            guard communicator.worldSize > 1 else {
                throw ValidationError("bench \(suite.rawValue) compares ranks: start it under mpirun -np 2 (or more)")
            }
            RankFailure.installSignalHandlers(rank: communicator.rank)
            let text = RankFailure.run(communicator: communicator) { () throws -> String in
                if suite == .sync { return GradientSyncBenchmark.run(communicator: communicator) }
                let chosen = ScalingWorkload.all.first { $0.name == workload } ?? ScalingWorkload.largeMLP()
                return try ScalingBenchmark.report(chosen, communicator: communicator, steps: max(steps / chosen.benchStepsDivisor, 10))
            }
            if communicator.isRoot { print(text) }
        }
    }
}

/// Runs the PyTorch timing scripts of `bench/` (found beside the package) and reads their JSON figures.
enum PyTorchReference {
    /// The figures of `bench/<scriptName>` (`pytorch_mlp.py`, `pytorch_resnet.py`) over `steps` steps.
    static func measure(_ scriptName: String, steps: Int) throws -> [String: Double] {
        try run(scriptName, [String(steps)])
    }

    /// `bench/pytorch_gpt.py`'s median seconds per GPT step on `threads` threads.
    static func gptStepSeconds(threads: Int, steps: Int) throws -> Double? {
        try run("pytorch_gpt.py", [String(threads), String(steps)])["seconds"]
    }

    private static func run(_ name: String, _ arguments: [String]) throws -> [String: Double] {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("bench/" + name).path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let figures = try JSONSerialization.jsonObject(with: data) as? [String: Double] else {
            throw ValidationError("could not time PyTorch with \(script); install torch or drop --compare-pytorch")
        }
        return figures
    }
}
