import DDPTestSupport
import Foundation
import Testing

/// The GPT against PyTorch: `ddp-worker gpt-replay` trains the GPT of
/// `Tests/Reference/gpt/gpt_replay.json` (2 layers, 2 heads, 16 wide, context 8, 13
/// characters) from the same initial weights on the same 4 windows for 10 AdamW steps
/// (two parameter groups, warm-up then cosine), and every recorded number must agree: loss,
/// learning rate, global and per-parameter gradient norms within 1e-4 relative; gradient
/// slices within 1e-4 of the largest magnitude of their slice (single elements can be near
/// zero, where a relative bound says nothing). PyTorch ran in float64, swift-ddp in float32.
@Suite(.serialized) struct GPTReplayTests {
    let worker = MPIJob.binary("ddp-worker")
    static let tolerance = 1e-4

    @Test(arguments: [nil, 2] as [Int?])
    func gptStepsMatchPyTorch(ranks: Int?) throws {
        let reference = try gptReference("gpt_replay.json")
        let expected = try #require(reference["steps"] as? [[String: Any]])
        let job = try MPIJob.run(worker, ["gpt-replay", "--fixture", gptReferenceDirectory] + (ranks == nil ? ["--debug"] : []),
                                 ranks: ranks)
        try #require(job.exitCode == 0 && !job.timedOut, "\(job)")
        let steps = job.jsonLines
        try #require(steps.count == expected.count, "\(job)")
        var worst = (relative: 0.0, label: "")
        func compare(_ actual: Double?, _ wanted: Double?, scale: Double? = nil, _ label: String) {
            guard let actual, let wanted else { Issue.record("\(label) missing"); return }
            let relative = abs(actual - wanted) / max(scale ?? abs(wanted), 1e-12)
            if relative > worst.relative { worst = (relative, "\(label): \(actual) vs PyTorch \(wanted)") }
            #expect(relative <= Self.tolerance, "\(label): \(actual) vs PyTorch \(wanted)")
        }
        for (step, (got, want)) in zip(steps, expected).enumerated() {
            compare(got["loss"] as? Double, want["loss"] as? Double, "step \(step) loss")
            compare(got["lr"] as? Double, want["lr"] as? Double, "step \(step) lr")
            compare(got["grad_norm"] as? Double, want["grad_norm"] as? Double, "step \(step) gradient norm")
            let norms = got["grad_norms"] as? [String: Double] ?? [:], wantedNorms = want["grad_norms"] as? [String: Double] ?? [:]
            #expect(Set(norms.keys) == Set(wantedNorms.keys), "parameter names differ")
            for (name, value) in wantedNorms { compare(norms[name], value, "step \(step) \(name) gradient norm") }
            let slices = got["grad_slices"] as? [String: [Double]] ?? [:]
            for (name, values) in want["grad_slices"] as? [String: [Double]] ?? [:] {
                let scale = values.map(abs).max() ?? 0
                for (i, value) in values.enumerated() {
                    compare(slices[name]?[safe: i], value, scale: scale, "step \(step) \(name) gradient[\(i)]")
                }
            }
        }
        print("GPT replay on \(ranks ?? 1) rank(s): worst relative difference \(worst.relative) (\(worst.label))")
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
