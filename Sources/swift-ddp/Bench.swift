import ArgumentParser
import Foundation
import DDPBenchmarks
import SwiftDDP

/// `swift-ddp bench`: prints the speed and memory figures the project's goals are checked by.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print speed and memory figures (run with OPENBLAS_NUM_THREADS=1 for the single-thread goals).",
        discussion: """
            core, trainer, optimizer, resnet: one process. sync, scaling: under mpirun, e.g.
            mpirun -np 2 -x OPENBLAS_NUM_THREADS=1 swift-ddp bench scaling
            """)

    enum Suite: String, ExpressibleByArgument, CaseIterable {
        case core, trainer, optimizer
        /// The train step of `--model resnet` (batch 64 of 28x28 images).
        case resnet
        /// Gradient sync of 10M parameters against one raw MPI_Allreduce of the same bytes.
        case sync
        /// Aggregate samples/s of all ranks against rank 0 alone (MLP 784-1024-1024-10).
        case scaling
    }

    @Argument(help: "Which figures: \(Suite.allCases.map(\.rawValue).joined(separator: ", ")).")
    var suite: Suite = .core

    @Option(help: "Timed steps per measurement.") var steps = 60
    @Flag(help: "Also time PyTorch on the same models in this run (needs python3 with torch).")
    var comparePytorch = false

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
        case .sync, .scaling:
            let communicator = makeCommunicator()
            defer { MPICommunicator.finalize() }
            guard communicator.worldSize > 1 else {
                throw ValidationError("bench \(suite.rawValue) compares ranks: start it under mpirun -np 2 (or more)")
            }
            RankFailure.installSignalHandlers(rank: communicator.rank)
            let text = RankFailure.run(communicator: communicator) { () throws -> String in
                if suite == .sync { return GradientSyncBenchmark.run(communicator: communicator) }
                return try ScalingBenchmark.compare(communicator: communicator, steps: max(steps / 2, 10)).description
            }
            if communicator.isRoot { print(text) }
        }
    }
}

/// Runs a script of `bench/` (found beside the package), `bench/pytorch_mlp.py` or
/// `bench/pytorch_resnet.py`, and reads its JSON figures.
enum PyTorchReference {
    static func measure(_ scriptName: String, steps: Int) throws -> [String: Double] {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("bench/" + scriptName).path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, String(steps)]
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
