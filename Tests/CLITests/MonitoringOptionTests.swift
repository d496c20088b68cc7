import DDPTestSupport
import Foundation
import Testing

/// Lightning's EarlyStopping and LearningRateMonitor from the command line.
@Suite struct MonitoringOptionTests {
    /// With a min delta no fall can reach, only the first validation improves: patience 1
    /// ends training after the second epoch of ten.
    @Test(arguments: [nil, 2] as [Int?])
    func earlyStoppingEndsTheRunWhenValLossStopsImproving(ranks: Int?) throws {
        let logs = try makeTemporaryFolder()
        let result = try CLIRun.run(["--data", "digits", "--max-epochs", "10", "--early-stopping-patience", "1",
                                     "--early-stopping-min-delta", "100", "--log-dir", logs], ranks: ranks)
        #expect(result.exitCode == 0, "\(result)")
        #expect(try CLIRun.metric("val_loss", in: logs).count == 2, "\(result)")
    }

    @Test func withoutEarlyStoppingEveryEpochRuns() throws {
        let logs = try makeTemporaryFolder()
        let result = try CLIRun.run(["--data", "digits", "--max-epochs", "3", "--log-dir", logs])
        #expect(result.exitCode == 0, "\(result)")
        #expect(try CLIRun.metric("val_loss", in: logs).count == 3)
    }

    @Test func logLrWritesTheLearningRateOfEveryLoggedStep() throws {
        let logs = try makeTemporaryFolder()
        let result = try CLIRun.run(["--data", "digits", "--max-epochs", "1", "--log-lr", "--log-every-n-steps", "5",
                                     "--log-dir", logs])
        #expect(result.exitCode == 0, "\(result)")
        let rates = try CLIRun.metric("lr-SGD", in: logs)
        #expect(!rates.isEmpty && rates.allSatisfy { isClose($0.value, to: 0.05, relative: 1e-12) }, "\(rates)")
    }

    @Test func aMinDeltaWithoutPatienceIsRefused() throws {
        try BadInputTests().expectOneLineError(["--data", "digits", "--early-stopping-min-delta", "0.1"],
                                               containing: ["--early-stopping-min-delta applies with --early-stopping-patience"])
    }
}
