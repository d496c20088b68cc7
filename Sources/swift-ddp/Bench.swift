import ArgumentParser
import DDPBenchmarks
import SwiftDDP

/// `swift-ddp bench`: prints the speed and memory figures the project's goals are checked by.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print speed and memory figures (run with OPENBLAS_NUM_THREADS=1 for the single-thread goals).")

    enum Suite: String, ExpressibleByArgument, CaseIterable {
        case core
    }

    @Argument(help: "Which figures: \(Suite.allCases.map(\.rawValue).joined(separator: ", ")).")
    var suite: Suite = .core

    @Option(help: "Timed steps per measurement.") var steps = 60

    func run() throws {
        switch suite {
        case .core: print(CoreBenchmarks.report(steps: steps))
        }
    }
}
