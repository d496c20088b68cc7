import DDPTestSupport
import Foundation
import Testing

/// Every task gives the same train_loss per step for the same global batch, whether it runs
/// as one process (`--debug`) or on two ranks with half the batch each.
@Suite(.serialized) struct RankInvarianceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var task: String
        /// Options of the one-process run; the two-rank run halves `--batch-size` (when given).
        var options: [String]
        var globalBatch: Int?
        var steps: Int
        var testDescription: String { task + " " + options.joined(separator: " ") }
    }

    static let cases: [Case] = [
        Case(task: "classifier", options: [], globalBatch: 32, steps: 6),
        Case(task: "classifier", options: ["--model", "cnn", "--optimizer", "adam", "--lr", "0.01", "--check-consistency", "1"], globalBatch: 32, steps: 4),
        Case(task: "classifier", options: ["--accumulate-grad-batches", "2", "--gradient-clip-val", "0.5",
                                           "--scheduler", "onecycle", "--scheduler-interval", "step"], globalBatch: 16, steps: 4),
        Case(task: "finetune", options: [], globalBatch: 32, steps: 6),
        Case(task: "lbfgs", options: [], globalBatch: nil, steps: 3),
        Case(task: "regression", options: ["--no-shuffle"], globalBatch: 32, steps: 6),
    ]

    @Test(arguments: cases)
    func oneProcessAndTwoRanksLogTheSameLossPerStep(_ testCase: Case) throws {
        let common = ["--task", testCase.task, "--max-steps", String(testCase.steps), "--log-every-n-steps", "1",
                      "--val-split", "0.2", "--seed", "5"] + testCase.options
        let single = try makeTemporaryFolder()
        let pair = try makeTemporaryFolder()
        let batch = { (size: Int?) in size.map { ["--batch-size", String($0)] } ?? [] }
        let one = try CLIRun.run(common + batch(testCase.globalBatch) + ["--debug", "--log-dir", single])
        let two = try CLIRun.run(common + batch(testCase.globalBatch.map { $0 / 2 }) + ["--log-dir", pair], ranks: 2)
        #expect(one.exitCode == 0, "\(one)")
        #expect(two.exitCode == 0, "\(two)")
        let a = try CLIRun.metric("train_loss", in: single)
        let b = try CLIRun.metric("train_loss", in: pair)
        #expect(a.count == testCase.steps)
        #expect(a.map(\.step) == b.map(\.step))
        #expect(maxRelativeDifference(a.map(\.value), b.map(\.value)) < 1e-5, "\(a) vs \(b)")
        // Learning, not standing still: the losses change from step to step.
        #expect(Set(a.map(\.value)).count > 1)
    }
}
