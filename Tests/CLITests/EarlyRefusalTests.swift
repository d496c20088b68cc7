import DDPTestSupport
import Foundation
import Testing

/// Mistakes refused before training, each in one line: options that do not apply to the
/// chosen optimizer, scheduler or task, values no run can use, folders that cannot be
/// written, and YAML values named by file and line.
@Suite struct EarlyRefusalTests {
    let bad = BadInputTests()

    /// An option given for an optimizer or scheduler that does not take it.
    static let inapplicable: [(arguments: [String], expected: [String])] = [
        (["--optimizer", "sgd", "--betas", "0.9,0.99"], ["--betas does not apply to sgd"]),
        (["--optimizer", "sgd", "--amsgrad"], ["--amsgrad does not apply to sgd"]),
        (["--optimizer", "adam", "--momentum", "0.9"], ["--momentum does not apply to adam"]),
        (["--max-lr", "0.1"], ["--max-lr does not apply without a scheduler", "onecycle, cyclic"]),
        (["--scheduler", "step", "--step-size", "2", "--max-lr", "0.1"], ["--max-lr does not apply to the step scheduler"]),
        (["--mode", "foo"], ["--mode does not apply without a scheduler", "plateau"]),
        (["--task", "gan", "--gamma", "0.5"], ["--gamma does not apply to the gan task"]),
    ]

    @Test(arguments: inapplicable.indices)
    func anOptionThatDoesNotApplyIsRefused(index: Int) throws {
        let (arguments, expected) = Self.inapplicable[index]
        let data = arguments.contains("--task") ? [] : ["--data", "digits"]
        try bad.expectOneLineError(data + arguments, containing: expected)
    }

    @Test(arguments: [nil, 2] as [Int?])
    func anInapplicableOptionIsRefusedOnEveryRank(ranks: Int?) throws {
        try bad.expectOneLineError(["--data", "digits", "--optimizer", "adam", "--nesterov"], ranks: ranks,
                                   containing: ["--nesterov does not apply to adam"])
    }

    @Test func aNegativeNumberAfterAnOptionIsItsValue() throws {
        try bad.expectOneLineError(["--data", "digits", "--lr", "-1"], containing: ["--lr must be a positive number, got -1"])
    }

    @Test func aNonPositiveDecayFactorIsRefusedBeforeTraining() throws {
        try bad.expectOneLineError(["--data", "digits", "--scheduler", "step", "--step-size", "1", "--gamma", "-1"],
                                   containing: ["--gamma", "must be positive, got -1"])
    }

    @Test(arguments: [nil, 2] as [Int?])
    func aYAMLValueOutOfRangeNamesItsFileAndLine(ranks: Int?) throws {
        let path = try bad.file("run.yaml", "data: digits\nmax-epochs: -3\n")
        try bad.expectOneLineError(["--config", path], ranks: ranks,
                                   containing: [path + ":2:13: --max-epochs must be at least 1, got -3"])
    }

    @Test func theCommandLineOverridesTheFileAndIsNotBlamedOnIt() throws {
        let path = try bad.file("run.yaml", "data: digits\nmax-epochs: 3\n")
        let line = try bad.expectOneLineError(["--config", path, "--max-epochs", "0"],
                                              containing: ["--max-epochs must be at least 1, got 0"])
        #expect(!line.contains(path), "\(line)")
    }

    @Test func resumingFromAFolderSaysToNameAFile() throws {
        let folder = try makeTemporaryFolder()
        try bad.expectOneLineError(["--data", "digits", "--resume", folder + "/"],
                                   containing: ["is a folder, not a file", ".safetensors"])
    }

    @Test(arguments: ["--log-dir", "--checkpoint-dir"])
    func anOutputFolderUnderAFileIsRefusedAtStart(option: String) throws {
        let blocker = try bad.file("not-a-folder", "x")
        let line = try bad.expectOneLineError(["--data", "digits", option, blocker + "/run"],
                                              containing: [blocker + " is a file, not a folder", option])
        #expect(line.contains(option == "--log-dir" ? "log folder" : "checkpoint folder"), "\(line)")
    }

    @Test func controlCharactersInAMessageAreEscaped() throws {
        let path = try makeTemporaryFolder() + "/binary.csv"
        try Data([0x61, 0x2C, 0x62, 0x0A, 0x31, 0x2C, 0x1B, 0x5B, 0x32, 0x4A, 0x07, 0x0A]).write(to: URL(fileURLWithPath: path))
        let result = try CLIRun.run(["--data", path])
        #expect(result.exitCode != 0)
        #expect(!result.standardError.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{07}" }, "\(result)")
        #expect(CLIRun.errorLines(result).count == 1, "\(result)")
    }

    /// Found once training has started (the names a module logs are known after its first
    /// batch), still one line from rank 0 and a non-zero exit on every rank.
    @Test(arguments: [nil, 2] as [Int?])
    func aMonitoredMetricTheModuleDoesNotLogEndsTheRunAfterItsFirstBatch(ranks: Int?) throws {
        let logs = try makeTemporaryFolder()
        let result = try CLIRun.run(["--data", "digits", "--scheduler", "plateau", "--monitor", "nosuch", "--log-dir", logs], ranks: ranks)
        #expect(result.exitCode != 0, "\(result)")
        let lines = CLIRun.errorLines(result)
        #expect(lines.count == 1, "\(result)")
        #expect(lines.first?.contains("ReduceLROnPlateau monitors 'nosuch', which the module does not log") == true, "\(result)")
        #expect(lines.first?.contains("val_loss") == true, "\(result)")
        // Nothing trained to the end of an epoch: no epoch checkpoint.
        #expect(!FileManager.default.fileExists(atPath: logs + "/checkpoints/last.safetensors"))
    }

    @Test func aValidationIntervalLongerThanTheEpochIsRefused() throws {
        let result = try CLIRun.run(["--data", "digits", "--val-check-interval", "100000", "--log-dir", try makeTemporaryFolder()])
        #expect(result.exitCode != 0, "\(result)")
        let lines = CLIRun.errorLines(result)
        #expect(lines.count == 1 && lines[0].contains("validation never runs"), "\(result)")
    }
}
