import DDPTestSupport
import Foundation
import Testing

/// Lightning's run controls on the command line: `--fast-dev-run`, `--overfit-batches`,
/// `--num-sanity-val-steps`, `--min-epochs`, `--min-steps`, `--max-time` and `--limit-test-batches`.
@Suite struct RunControlCommandTests {
    @Test(arguments: [nil, 2] as [Int?])
    func fastDevRunTrainsAndValidatesOneBatchAndWritesNothing(ranks: Int?) throws {
        let logs = try makeTemporaryFolder() + "/logs"
        let result = try CLIRun.run(["--data", "digits", "--fast-dev-run", "--log-dir", logs], ranks: ranks)
        #expect(result.exitCode == 0, "\(result)")
        #expect(result.standardOutput.contains(
            "fast-dev-run: trained 1 batch (1 optimizer step(s)) and validated 1 batch on each rank, in 1 epoch; no logs or checkpoints written"),
            "\(result)")
        #expect(!FileManager.default.fileExists(atPath: logs), "\(result)")
    }

    @Test func fastDevRunTakesANumberOfBatches() throws {
        let logs = try makeTemporaryFolder() + "/logs"
        let result = try CLIRun.run(["--data", "digits", "--fast-dev-run", "3", "--max-epochs", "5", "--log-dir", logs])
        #expect(result.exitCode == 0, "\(result)")
        // The digits' validation split is a single batch.
        #expect(result.standardOutput.contains("trained 3 batches (3 optimizer step(s)) and validated 1 batch on each rank, in 1 epoch"),
                "\(result)")
    }

    @Test(arguments: ["0", "00:00:00:00"])
    func aSpentTimeLimitStopsCleanlyWithACheckpointToResumeFrom(limit: String) throws {
        let logs = try makeTemporaryFolder()
        let stopped = try CLIRun.run(["--data", "digits", "--max-time", limit, "--log-dir", logs], ranks: 2)
        #expect(stopped.exitCode == 0, "\(stopped)")
        // No time at all: rank 0's clock says so before the first batch, and every rank stops.
        #expect(stopped.standardOutput.contains(#/max-time: stopped after [0-9.]+ s of training, at step 0 \(epoch 0\); continue with --resume last/#),
                "\(stopped)")
        #expect(FileManager.default.fileExists(atPath: logs + "/checkpoints/last.safetensors"))
        let resumed = try CLIRun.run(["--data", "digits", "--max-epochs", "1", "--resume", "last", "--log-dir", logs], ranks: 2)
        #expect(resumed.exitCode == 0, "\(resumed)")
        #expect(!resumed.standardOutput.contains("max-time:"), "\(resumed)")
        // The resumed run trains its whole epoch and validates once.
        #expect(try CLIRun.metric("val_loss", in: logs).count == 1, "\(resumed)")
    }

    @Test func overfitBatchesLimitsTrainingAndValidationAlike() throws {
        let logs = try makeTemporaryFolder()
        let result = try CLIRun.run(["--data", "digits", "--overfit-batches", "3", "--max-epochs", "4", "--log-every-n-steps", "1",
                                     "--log-dir", logs])
        #expect(result.exitCode == 0, "\(result)")
        #expect(result.standardOutput.contains("3 batches/epoch"), "\(result)")
        #expect(try CLIRun.metric("train_loss", in: logs).count == 12, "\(result)")
        // Validation on 3 batches too, after each epoch of 3 steps.
        #expect(try CLIRun.metric("val_loss", in: logs).map(\.step) == [2, 5, 8, 11], "\(result)")
    }

    @Test func theSanityCheckChangesNothingThatIsLogged() throws {
        func metrics(sanitySteps: String) throws -> String {
            let logs = try makeTemporaryFolder()
            let result = try CLIRun.run(["--data", "digits", "--num-sanity-val-steps", sanitySteps, "--max-epochs", "2",
                                         "--limit-train-batches", "4", "--log-every-n-steps", "1", "--log-dir", logs], ranks: 2)
            #expect(result.exitCode == 0, "\(result)")
            return try String(contentsOfFile: logs + "/metrics.csv", encoding: .utf8)
        }
        // All validation batches before training, or none: the same run, to the last digit.
        let none = try metrics(sanitySteps: "0")
        #expect(try metrics(sanitySteps: "-1") == none)
        #expect(none.split(separator: "\n").count > 4)
    }

    @Test func aStopRequestWaitsForMinEpochs() throws {
        // Patience 0 asks to stop at the second validation; min-epochs 4 keeps training to 4.
        let logs = try makeTemporaryFolder()
        let result = try CLIRun.run(["--data", "digits", "--early-stopping-patience", "0", "--early-stopping-min-delta", "1000",
                                     "--min-epochs", "4", "--max-epochs", "6", "--limit-train-batches", "3", "--log-dir", logs])
        #expect(result.exitCode == 0, "\(result)")
        #expect(try CLIRun.metric("val_loss", in: logs).count == 4, "\(result)")
    }

    @Test func limitTestBatchesTestsTheFirstBatchesOfEachRank() throws {
        let (checkpoint, _) = try TestCommandTests.trainedCheckpoint()
        let command = ["test", "--checkpoint", checkpoint] + TestCommandTests.model
        func figures(_ result: JobResult) throws -> String {
            #expect(result.exitCode == 0, "\(result)")
            let match = try #require(result.standardOutput.firstMatch(of: #/test_acc [0-9.]+, test_loss [0-9.]+/#), "\(result)")
            return String(match.0)
        }
        let count = try CLIRun.run(command + ["--limit-test-batches", "2"])
        #expect(count.standardOutput.contains("on 2 batch(es) of 256 test images per rank (limit-test-batches)"), "\(count)")
        // 2 of the 40 batches: the same as 5% of them.
        let fraction = try CLIRun.run(command + ["--limit-test-batches", "0.05"])
        #expect(try figures(count) == figures(fraction))
        // Two batches on each of two ranks read the first 1,024 images, as four on one rank
        // (rank r reads every other image from r); 1 means all of them, as 1.0.
        let fourBatches = try CLIRun.run(command + ["--limit-test-batches", "4"])
        let twoRanks = try CLIRun.run(command + ["--limit-test-batches", "2"], ranks: 2)
        let all = try CLIRun.run(command + ["--limit-test-batches", "1"])
        #expect(all.standardOutput.contains("on the 10000 test images"), "\(all)")
        let one = try TestCommandTests.Figures(all)
        let four = try #require(fourBatches.standardOutput.firstMatch(of: #/test_acc ([0-9.]+), test_loss ([0-9.]+)/#), "\(fourBatches)")
        let sharded = try #require(twoRanks.standardOutput.firstMatch(of: #/test_acc ([0-9.]+), test_loss ([0-9.]+)/#), "\(twoRanks)")
        let fourFigures = TestCommandTests.Figures(accuracy: Double(four.1)!, loss: Double(four.2)!)
        #expect(fourFigures.agrees(with: .init(accuracy: Double(sharded.1)!, loss: Double(sharded.2)!)), "\(fourBatches)\n\(twoRanks)")
        let limited = try #require(count.standardOutput.firstMatch(of: #/test_acc ([0-9.]+), test_loss ([0-9.]+)/#))
        let limitedFigures = TestCommandTests.Figures(accuracy: Double(limited.1)!, loss: Double(limited.2)!)
        #expect(!limitedFigures.agrees(with: one), "the limit changed nothing: \(count)")
    }

    /// Run controls out of range, or together where they make no sense; the bad-input corpus holds them too.
    static let badRunControls: [([String], String)] = [
        (["--fast-dev-run", "--max-time", "60"], "--fast-dev-run runs a fixed number of batches, so --max-time does not apply"),
        (["--fast-dev-run=-1"], "--fast-dev-run takes a number of batches >= 1"),
        (["--overfit-batches", "2", "--val-split", "0"], "--overfit-batches limits training and validation alike, and --val-split 0"),
        (["--overfit-batches", "2", "--limit-train-batches", "3"], "--overfit-batches sets the training and validation limits itself"),
        (["--overfit-batches", "1.5"], "--overfit-batches"),
        (["--min-epochs", "5", "--max-epochs", "3"], "--min-epochs (5) must be at most --max-epochs (3)"),
        (["--min-epochs", "25"], "--min-epochs (25) must be at most the classifier task's 20 epochs"),
        (["--min-epochs", "-1"], "--min-epochs must be at least 0"),
        (["--min-steps", "9", "--max-steps", "4"], "--min-steps (9) must be at most --max-steps (4)"),
        (["--min-steps", "-2"], "--min-steps must be at least 0"),
        (["--max-time", "12:00:00"], "--max-time takes DD:HH:MM:SS"),
        (["--max-time", "-5"], "--max-time takes DD:HH:MM:SS or a number of seconds >= 0"),
        (["--num-sanity-val-steps", "-2"], "--num-sanity-val-steps takes a number of batches >= 0, or -1 for all"),
        (["--limit-test-batches", "-1"], "--limit-test-batches"),
    ]

    @Test(arguments: badRunControls)
    func badRunControlsAreRefusedInOneLineOnEveryRank(arguments: [String], expected: String) throws {
        try BadInputTests().expectOneLineError(["--data", "digits"] + arguments, ranks: 2, containing: [expected])
    }
}
