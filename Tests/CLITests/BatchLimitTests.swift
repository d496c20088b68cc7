import DDPTestSupport
import Foundation
import Testing

/// `--limit-train-batches` and `--limit-val-batches`, Lightning's `limit_train_batches` and
/// `limit_val_batches`: a fraction of an epoch's batches up to 1.0, or a count above 1.
@Suite struct BatchLimitTests {
    @Test func aCountLimitsTheOptimizerStepsOfEachEpoch() throws {
        let logs = try makeTemporaryFolder()
        let result = try CLIRun.run(["--task", "regression", "--debug", "--max-epochs", "2", "--limit-train-batches", "3",
                                     "--log-every-n-steps", "1", "--log-dir", logs])
        #expect(result.exitCode == 0, "\(result)")
        #expect(try CLIRun.metric("train_loss", in: logs).map(\.step) == [0, 1, 2, 3, 4, 5])
    }

    @Test func theLimitsAreKeysOfTheConfigurationLikeEveryOption() throws {
        let path = try makeTemporaryFolder() + "/run.yaml"
        try "limit-train-batches: 0.5\nlimit-val-batches: 4\n".write(toFile: path, atomically: true, encoding: .utf8)
        let printed = try CLIRun.run(["--config", path, "--limit-val-batches", "2", "--print-config"])
        #expect(printed.exitCode == 0, "\(printed)")
        #expect(printed.standardOutput.contains("\nlimit-train-batches: 0.5\n"), "\(printed)")
        #expect(printed.standardOutput.contains("\nlimit-val-batches: 2\n"), "\(printed)")
    }

    @Test func aLimitThatIsNeitherAFractionNorACountIsRefused() throws {
        let onTheCommandLine = try CLIRun.run(["--limit-train-batches", "2.5"])
        #expect(onTheCommandLine.exitCode != 0)
        #expect(CLIRun.errorLines(onTheCommandLine).first?.contains("--limit-train-batches") == true, "\(onTheCommandLine)")

        let path = try makeTemporaryFolder() + "/run.yaml"
        try "limit-val-batches: -1\n".write(toFile: path, atomically: true, encoding: .utf8)
        let inAFile = try CLIRun.run(["--config", path])
        #expect(inAFile.exitCode != 0)
        #expect(CLIRun.errorLines(inAFile).first?.contains(path + ":1:20: 'limit-val-batches' takes a fraction up to 1.0 or a whole number of batches, got '-1'") == true,
                "\(inAFile)")
    }
}
