import DDPTestSupport
import Foundation
import Testing

/// Every task gives the same losses per step for the same global batch, whether it runs as
/// one process (`--debug`) or on two ranks with half the batch each.
@Suite(.serialized) struct RankInvarianceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var task: String
        /// Options of the one-process run; the two-rank run halves `--batch-size` (when given).
        var options: [String]
        var globalBatch: Int?
        var steps: Int
        /// The logged losses compared, with the number of steps that log each (`nil`: every step).
        var losses: [String: Int?] = ["train_loss": nil]
        var testDescription: String { task + " " + options.joined(separator: " ") }
    }

    static let cases: [Case] = [
        Case(task: "classifier", options: ["--data", "digits"], globalBatch: 32, steps: 6),
        Case(task: "classifier", options: ["--data", "digits", "--model", "cnn", "--optimizer", "adam", "--lr", "0.01", "--check-consistency", "1"], globalBatch: 32, steps: 4),
        Case(task: "classifier", options: ["--data", "digits", "--accumulate-grad-batches", "2", "--gradient-clip-val", "0.5",
                                           "--scheduler", "onecycle", "--scheduler-interval", "step"], globalBatch: 16, steps: 4),
        Case(task: "finetune", options: [], globalBatch: 32, steps: 6),
        Case(task: "lbfgs", options: [], globalBatch: nil, steps: 3),
        Case(task: "regression", options: ["--no-shuffle"], globalBatch: 32, steps: 6),
        Case(task: "gan", options: [], globalBatch: 64, steps: 6, losses: ["d_loss": nil, "g_loss": nil, "train_loss": nil]),
        Case(task: "gan", options: ["--optimization", "automatic"], globalBatch: 64, steps: 6,
             losses: ["d_loss": nil, "g_loss": nil, "train_loss": nil]),
        // The generator trains on batches 0 and 3, the discriminator on the others.
        Case(task: "gan", options: ["--optimization", "automatic", "--generator-frequency", "1", "--discriminator-frequency", "2"],
             globalBatch: 64, steps: 6, losses: ["g_loss": 2, "d_loss": 4]),
        Case(task: "gan", options: ["--gan-data", "digits", "--hidden", "64,64"], globalBatch: 32, steps: 4,
             losses: ["d_loss": nil, "g_loss": nil]),
        Case(task: "cyclegan", options: [], globalBatch: 32, steps: 5,
             losses: ["cycle_loss": nil, "adv_loss": nil, "d_loss": nil, "train_loss": nil]),
        Case(task: "cyclegan", options: ["--optimizers", "separate", "--lr-g-a", "0.002", "--lr-d-b", "0.0005", "--transform", "rotated"],
             globalBatch: 32, steps: 5, losses: ["cycle_loss": nil, "d_loss": nil, "train_loss": nil]),
        Case(task: "cyclegan", options: ["--optimizers", "separate", "--decay-steps", "2", "--decay-rate", "0.5"],
             globalBatch: 32, steps: 5, losses: ["cycle_loss": nil, "train_loss": nil]),
    ]

    @Test(arguments: cases)
    func oneProcessAndTwoRanksLogTheSameLossPerStep(_ testCase: Case) throws {
        // The GANs hold out a fixed tenth of their samples; the other tasks split as told.
        let split = ["gan", "cyclegan"].contains(testCase.task) ? [] : ["--val-split", "0.2"]
        let common = ["--task", testCase.task, "--max-steps", String(testCase.steps), "--log-every-n-steps", "1",
                      "--seed", "5"] + split + testCase.options
        let single = try makeTemporaryFolder()
        let pair = try makeTemporaryFolder()
        let batch = { (size: Int?) in size.map { ["--batch-size", String($0)] } ?? [] }
        let one = try CLIRun.run(common + batch(testCase.globalBatch) + ["--debug", "--log-dir", single])
        let two = try CLIRun.run(common + batch(testCase.globalBatch.map { $0 / 2 }) + ["--log-dir", pair], ranks: 2)
        #expect(one.exitCode == 0, "\(one)")
        #expect(two.exitCode == 0, "\(two)")
        for (name, count) in testCase.losses.sorted(by: { $0.key < $1.key }) {
            let a = try CLIRun.metric(name, in: single)
            let b = try CLIRun.metric(name, in: pair)
            #expect(a.count == count ?? testCase.steps, "\(name)")
            #expect(a.map(\.step) == b.map(\.step), "\(name)")
            #expect(maxRelativeDifference(a.map(\.value), b.map(\.value)) < 1e-5, "\(name): \(a) vs \(b)")
            // Learning, not standing still: the losses change from step to step.
            #expect(Set(a.map(\.value)).count > 1, "\(name)")
        }
    }
}
