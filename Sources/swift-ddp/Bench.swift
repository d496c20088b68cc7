import ArgumentParser
import Foundation
import DDPBenchmarks
import SwiftDDP

/// `swift-ddp bench`: prints the speed and memory figures the project's goals are checked by.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print speed and memory figures (run with OPENBLAS_NUM_THREADS=1 for the single-thread goals).")

    enum Suite: String, ExpressibleByArgument, CaseIterable {
        case core, trainer, optimizer
    }

    @Argument(help: "Which figures: \(Suite.allCases.map(\.rawValue).joined(separator: ", ")).")
    var suite: Suite = .core

    @Option(help: "Timed steps per measurement.") var steps = 60
    @Flag(help: "Also time PyTorch on the same models in this run (needs python3 with torch).")
    var comparePytorch = false

    func run() throws {
        switch suite {
        case .core:
            let pytorch = comparePytorch ? try PyTorchReference.measure(steps: steps) : [:]
            print(CoreBenchmarks.report(steps: steps, pytorch: pytorch))
        case .trainer:
            print(try TrainerOverheadBenchmark.report(stepsPerRepeat: max(steps, 20)))
        case .optimizer:
            print(try OptimizerStepBenchmark.report())
        }
    }
}

/// Runs `bench/pytorch_mlp.py` (found beside the package) and reads its JSON figures.
enum PyTorchReference {
    static func measure(steps: Int) throws -> [String: Double] {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("bench/pytorch_mlp.py").path
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
