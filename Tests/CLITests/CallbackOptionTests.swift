import DDPTestSupport
import Foundation
import Testing

/// The model summary (on by default, `--no-model-summary`) and `--scheduler-frequency` from
/// the command line.
@Suite struct CallbackOptionTests {
    /// Printed once, by rank 0, whatever the number of ranks: the digits MLP's 85,002 parameters.
    @Test(arguments: [nil, 2] as [Int?])
    func theModelSummaryIsPrintedOnceAtTheStart(ranks: Int?) throws {
        let logs = try makeTemporaryFolder()
        let result = try CLIRun.run(["--data", "digits", "--max-epochs", "1", "--log-dir", logs], ranks: ranks)
        #expect(result.exitCode == 0, "\(result)")
        let lines = result.standardError.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasSuffix("Total params") } == ["85.0 K    Total params"], "\(result)")
        #expect(lines.filter { $0.hasSuffix("Trainable params") } == ["85.0 K    Trainable params"], "\(result)")
        #expect(result.standardOutput.contains("85002 parameters") || result.standardError.contains("85002 parameters"), "\(result)")
    }

    /// Rank 0 says once, at the start, how the gradients are averaged; one rank has nothing to say.
    @Test(arguments: [(nil, nil), (2, "gradient sync: shared memory, 1 host x 2 ranks, one shared-memory window")]
          as [(Int?, String?)])
    func theGradientSyncPathIsPrintedOnceAtTheStart(ranks: Int?, line: String?) throws {
        let logs = try makeTemporaryFolder()
        let result = try CLIRun.run(["--data", "digits", "--max-epochs", "1", "--log-dir", logs], ranks: ranks)
        #expect(result.exitCode == 0, "\(result)")
        let lines = result.standardError.split(separator: "\n").map(String.init).filter { $0.hasPrefix("gradient sync: ") }
        #expect(lines == (line.map { [$0] } ?? []), "\(result)")
    }

    @Test func noModelSummaryLeavesItOut() throws {
        let logs = try makeTemporaryFolder()
        let result = try CLIRun.run(["--data", "digits", "--max-epochs", "1", "--no-model-summary", "--log-dir", logs])
        #expect(result.exitCode == 0, "\(result)")
        #expect(!result.standardError.contains("Total params"), "\(result)")
    }

    /// StepLR halving every 10th batch of the epoch (Lightning's `frequency` with `interval:
    /// step`): the lr logged before batch b is 0.05 · 0.5^⌊b / 10⌋ over the 51 batches.
    @Test func schedulerFrequencyStepsEveryNthBatch() throws {
        let logs = try makeTemporaryFolder()
        let result = try CLIRun.run(["--data", "digits", "--max-epochs", "1", "--scheduler", "step", "--step-size", "1",
                                     "--gamma", "0.5", "--scheduler-interval", "step", "--scheduler-frequency", "10",
                                     "--log-lr", "--log-every-n-steps", "1", "--log-dir", logs])
        #expect(result.exitCode == 0, "\(result)")
        let rates = try CLIRun.metric("lr-SGD", in: logs)
        #expect(rates.count == 51, "\(rates)")
        for (step, value) in rates {
            let expected = 0.05 * pow(0.5, Double(step / 10))
            #expect(isClose(value, to: expected, relative: 1e-12), "step \(step): lr \(value), expected \(expected)")
        }
    }
}
