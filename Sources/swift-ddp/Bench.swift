import ArgumentParser
import Foundation
import DDPBenchmarks
import SwiftDDP

/// `swift-ddp bench`: the speed and memory figures the project's goals are checked by, as a
/// table or (`--json`) as one JSON object on rank 0.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print speed and memory figures (run with OPENBLAS_NUM_THREADS=1 for the single-thread goals).",
        discussion: """
            One process: core (mlp-l, mlp-s), gan (gan-mlp), cnn, resnet, gpt, optimizer (adam-10m), \
            trainer (trainer-overhead); all of them by default.

            Under mpirun (mpirun -np 2 -x OPENBLAS_NUM_THREADS=1 swift-ddp bench): scaling (scale-mlp-l, \
            peak-rss-mlp-l, scale-mlp-s, scale-gpt), sync (sync-mlp-l, sync-10m, sync-bf16-10m), zero1 \
            (zero1-rss-adam-10m, zero1-step-adam-10m) and overlap (overlap-mlp-l; across simulated hosts: \
            launch/cluster --hosts 2 --rate 1gbit -- swift-ddp bench overlap); all by default.

            --compare-pytorch times PyTorch (bench/pytorch_reference.py, with python3 or the interpreter \
            SWIFT_DDP_PYTHON names) on the one-process workloads, alternating its rounds with ours.
            """)

    enum Suite: String, ExpressibleByArgument, CaseIterable {
        case core, gan, cnn, resnet, gpt, optimizer, trainer
        /// Gradient sync of MLP-L's and of 10M parameters against one raw MPI_Allreduce of the same bytes.
        case sync
        /// Aggregate samples/s of all ranks against rank 0 alone, and each rank's peak memory.
        case scaling
        /// Strategy zero1 against ddp: peak memory and step time of Adam over 10M parameters.
        case zero1
        /// MLP-L's step with its gradient reductions started during backward, against the blocking sync.
        case overlap

        var isMultiRank: Bool { self == .sync || self == .scaling || self == .zero1 || self == .overlap }
        static let oneProcess = allCases.filter { !$0.isMultiRank }
        /// Scaling first: its peak memory counts from the start of the process (zero1 resets the peak itself).
        static let multiRank: [Suite] = [.scaling, .sync, .zero1, .overlap]
    }

    @Argument(help: "Which figures: \(Suite.allCases.map(\.rawValue).joined(separator: ", ")) (default: all that fit the launch).")
    var suites: [Suite] = []

    @Option(help: "Steps per round of MLP-L; other workloads scale it so that their rounds last about as long.")
    var steps = 60
    @Option(help: "Alternating rounds per comparison.") var rounds = 7
    @Option(help: "Only this model in bench scaling: \(ScalingWorkload.all.map(\.name).joined(separator: ", ")).")
    var workload: String?
    @Option(name: .customLong("bucket-mib"),
            help: "Gradient bucket capacity of bench overlap in MiB (default: the sync's own for the transport path).")
    var bucketMiB: Double?
    @Flag(help: "Print one JSON object {\"machine\": ..., \"results\": [...]} instead of a table.") var json = false
    @Flag(help: "Also time PyTorch on the same models in this run, alternating rounds (needs torch).")
    var comparePytorch = false

    func validate() throws {
        guard steps > 0, rounds > 0 else { throw ValidationError("--steps and --rounds must be positive") }
        if let bucketMiB, !(bucketMiB > 0 && bucketMiB <= 1024) {
            throw ValidationError("--bucket-mib must be more than 0 and at most 1024, got \(bucketMiB)")
        }
        if let workload, !ScalingWorkload.all.contains(where: { $0.name == workload }) {
            throw ValidationError("no workload named '\(workload)'; choose one of \(ScalingWorkload.all.map(\.name).joined(separator: ", "))")
        }
        let launch = LaunchEnvironment.current
        if launch.worldSize > 1, let suite = suites.first(where: { !$0.isMultiRank }) {
            throw ValidationError("bench \(suite.rawValue) runs in one process; start it without mpirun")
        }
        if launch.worldSize == 1, let suite = suites.first(where: \.isMultiRank) {
            throw ValidationError("bench \(suite.rawValue) compares ranks: start it under mpirun -np 2 (or more)")
        }
    }

    func run() throws {
        if LaunchEnvironment.current.worldSize > 1 {
            try runMultiRank(suites.isEmpty ? Suite.multiRank : Suite.multiRank.filter(suites.contains))
        } else {
            let chosen = suites.isEmpty ? Suite.oneProcess : Suite.oneProcess.filter(suites.contains)
            // Started first, so that a missing torch is reported before anything is timed.
            let pytorch = comparePytorch ? try PyTorchReference(threads: BLAS.threadCount) : nil
            var results: [BenchmarkResult] = []
            for suite in chosen { results += try oneProcessResults(suite, pytorch: pytorch) }
            print(render(BenchmarkReport(machine: .current(ranks: 1), results: results)))
        }
    }

    private func oneProcessResults(_ suite: Suite, pytorch: PyTorchReference?) throws -> [BenchmarkResult] {
        func steps(_ workloads: StepWorkload...) throws -> [BenchmarkResult] {
            try workloads.map { try StepBenchmark.result($0, steps: self.steps, rounds: rounds, pytorch: pytorch) }
        }
        switch suite {
        case .core: return try steps(.largeMLP, .smallMLP)
        case .gan: return try steps(.ganMLP)
        case .cnn: return try steps(.cnn)
        case .resnet: return try steps(.resnet)
        case .gpt: return try steps(.gpt)
        case .optimizer: return [try OptimizerStepBenchmark.result(repeats: max(rounds, 3) * 2 + 1)]
        case .trainer: return [try TrainerOverheadBenchmark.result(stepsPerRepeat: max(self.steps, 20), repeats: rounds)]
        case .sync, .scaling, .zero1, .overlap: return []
        }
    }

    private func runMultiRank(_ chosen: [Suite]) throws {
        let communicator = makeCommunicator()
        defer { MPICommunicator.finalize() }
        RankFailure.installSignalHandlers(rank: communicator.rank)
        let results = RankFailure.run(communicator: communicator) { () throws -> [BenchmarkResult] in
            var results: [BenchmarkResult] = []
            for suite in chosen {
                switch suite {
                case .scaling:
                    let workloads = workload.map { name in ScalingWorkload.all.filter { $0.name == name } }
                        ?? [.largeMLP(), .smallMLP(), .gpt()]
                    for (index, scaling) in workloads.enumerated() {
                        results += try ScalingBenchmark.results(
                            scaling, communicator: communicator, steps: scaling.benchSteps(steps),
                            rounds: min(rounds, 5), peakMemory: index == 0)
                    }
                case .sync:
                    let largeMLP: [[Int]] = [[1024, 784], [1024], [1024, 1024], [1024], [10, 1024], [10]]
                    results.append(GradientSyncBenchmark.result(
                        name: "sync-mlp-l", summary: "MLP-L's gradients", shapes: largeMLP, communicator: communicator,
                        repeats: max(rounds, 10)))
                    results.append(GradientSyncBenchmark.result(
                        name: "sync-10m", summary: "10M parameters", shapes: GradientSyncBenchmark.modelShapes(parameterCount: 10_000_000),
                        communicator: communicator, repeats: max(rounds, 10)))
                    results.append(GradientSyncBenchmark.compressionResult(
                        name: "sync-bf16-10m", summary: "10M parameters", shapes: GradientSyncBenchmark.modelShapes(parameterCount: 10_000_000),
                        communicator: communicator, repeats: max(rounds, 10)))
                    if communicator.hostLayout.isHierarchical {
                        results.append(GradientSyncBenchmark.hierarchicalResult(
                            name: "sync-hier-10m", summary: "10M parameters",
                            shapes: GradientSyncBenchmark.modelShapes(parameterCount: 10_000_000),
                            communicator: communicator, repeats: max(rounds, 10)))
                    }
                case .zero1:
                    // A step of the 10M-parameter MLP takes about six of MLP-L's.
                    results += try ZeroRedundancyBenchmark.results(
                        communicator: communicator, steps: max(2, steps / 6), rounds: min(rounds, 5))
                case .overlap:
                    results.append(try OverlapBenchmark.result(
                        communicator: communicator, steps: max(3, steps / 6), rounds: rounds,
                        bucketCapacityBytes: bucketMiB.map { Int($0 * 1_048_576) }))
                default: break
                }
            }
            return results
        }
        if communicator.isRoot {
            print(render(BenchmarkReport(machine: .current(ranks: communicator.worldSize), results: results)))
        }
    }

    private func render(_ report: BenchmarkReport) -> String { json ? report.json : report.table }
}
