import DDPTestSupport
import Foundation
import OptimizationExamples
import SwiftDDP

/// Runs an example in this process as a single rank.
func runAlone(_ name: String, globalBatchSize: Int = 16) throws -> ExampleResult {
    guard let example = OptimizationExamples.named(name) else { throw TrainerError("no example named \(name)") }
    return try example.run(LocalCommunicator(), globalBatchSize)
}

/// The largest difference between two vectors relative to the reference's largest magnitude.
func normRelativeDifference(_ a: [Float], _ b: [Float]) -> Double {
    let scale = Double(b.map(abs).max() ?? 0)
    let difference = zip(a, b).map { Double(abs($0 - $1)) }.max() ?? 0
    return scale > 0 ? difference / scale : difference
}

/// Why two runs of an example differ beyond `tolerance`, or `nil` when they agree: the same
/// number of steps, losses within `tolerance` (relative, step by step), parameters within
/// `tolerance` of the largest parameter, and traces within `tolerance`.
func mismatch(_ run: ExampleResult, _ reference: ExampleResult, tolerance: Double = 1e-5) -> String? {
    if run.globalStep != reference.globalStep || run.stepCounts != reference.stepCounts {
        return "\(run.name): steps \(run.globalStep) \(run.stepCounts) vs \(reference.globalStep) \(reference.stepCounts)"
    }
    if run.losses.count != reference.losses.count || maxRelativeDifference(run.losses, reference.losses) > tolerance {
        return "\(run.name): losses \(run.losses) vs \(reference.losses)"
    }
    if run.stepLosses.count != reference.stepLosses.count || maxRelativeDifference(run.stepLosses, reference.stepLosses) > tolerance {
        return "\(run.name): step losses \(run.stepLosses) vs \(reference.stepLosses)"
    }
    let parameters = normRelativeDifference(run.parameters, reference.parameters)
    if run.parameters.count != reference.parameters.count || parameters > tolerance {
        return "\(run.name): parameters differ by \(parameters) of their scale"
    }
    for (key, values) in reference.traces {
        let other = run.traces[key] ?? []
        if other.count != values.count || zip(other, values).contains(where: { abs($0 - $1) > tolerance * max(abs($1), 1e-3) }) {
            return "\(run.name): trace \(key) \(other) vs \(values)"
        }
    }
    return nil
}

/// The examples `ddp-worker examples` ran under mpirun, by name.
func runUnderMPI(ranks: Int, only names: [String]? = nil) throws -> [String: ExampleResult] {
    let worker = MPIJob.binary("ddp-worker")
    let arguments = ["examples"] + (names.map { ["--only", $0.joined(separator: ",")] } ?? [])
    let job = try MPIJob.run(worker, arguments, ranks: ranks)
    guard job.exitCode == 0, !job.timedOut else { throw TrainerError("mpirun failed: \(job)") }
    var results: [String: ExampleResult] = [:]
    for line in job.standardOutput.split(separator: "\n") {
        let result = try JSONDecoder().decode(ExampleResult.self, from: Data(line.utf8))
        results[result.name] = result
    }
    return results
}
