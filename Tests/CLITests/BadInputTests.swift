import DDPTestSupport
import Foundation
import Testing

/// A mistake in the options or data: one line `swift-ddp: error: ...`, a non-zero exit,
/// on one process and on every rank of an MPI job (ending at all, before the hang guard, is
/// what is checked: how fast depends on the machine).
@Suite struct BadInputTests {
    /// Runs `arguments`, expects a failure with one error line containing `expected`.
    @discardableResult
    func expectOneLineError(_ arguments: [String], ranks: Int? = nil, containing expected: [String]) throws -> String {
        let result = try CLIRun.run(arguments, ranks: ranks)
        #expect(!result.timedOut, "\(result)")
        #expect(result.exitCode != 0, "\(result)")
        let lines = CLIRun.errorLines(result)
        #expect(lines.count == 1, "\(result)")
        let line = lines.first ?? ""
        #expect(line.hasPrefix("swift-ddp: error: "), "\(result)")
        for text in expected { #expect(line.contains(text), "\(line)") }
        #expect(result.standardOutput.isEmpty, "\(result)")
        return line
    }

    func file(_ name: String, _ contents: String) throws -> String {
        let path = try makeTemporaryFolder() + "/" + name
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: [nil, 2] as [Int?])
    func anUnknownOption(ranks: Int?) throws {
        try expectOneLineError(["--max-epoch", "3"], ranks: ranks, containing: ["--max-epoch"])
    }

    @Test(arguments: [nil, 2] as [Int?])
    func anUnknownTask(ranks: Int?) throws {
        try expectOneLineError(["--task", "llama"], ranks: ranks,
                               containing: ["unknown task 'llama'", "classifier, finetune, lbfgs, regression, gan, cyclegan, gpt"])
    }

    @Test func aYAMLSyntaxErrorGivesItsLineAndColumn() throws {
        let path = try file("run.yaml", "max-epochs: 3\nhidden: [256, 256\nlr: 0.1\n")
        try expectOneLineError(["--config", path], containing: [path + ":3:", "invalid YAML"])
    }

    @Test(arguments: [nil, 2] as [Int?])
    func aValueOfTheWrongTypeInTheFileGivesItsLineAndColumn(ranks: Int?) throws {
        let path = try file("run.yaml", "task: classifier\nmax-epochs: many\n")
        try expectOneLineError(["--config", path], ranks: ranks, containing: [path + ":2:13:", "'max-epochs' takes a whole number", "many"])
    }

    @Test func anUnknownKeyInTheFileGivesItsLine() throws {
        let path = try file("run.yaml", "max-epochs: 3\nlearning-rate: 0.1\n")
        try expectOneLineError(["--config", path], containing: [path + ":2:1:", "unknown key 'learning-rate'"])
    }

    @Test(arguments: [nil, 2] as [Int?])
    func aMissingDataFile(ranks: Int?) throws {
        try expectOneLineError(["--data", "/nonexistent/train.csv"], ranks: ranks, containing: ["/nonexistent/train.csv: no such file"])
    }

    @Test(arguments: [nil, 2] as [Int?])
    func aMalformedCSVFileGivesItsLine(ranks: Int?) throws {
        let path = try file("train.csv", "a,b,label\n0.1,0.2,0\n0.3,oops,1\n")
        try expectOneLineError(["--data", path], ranks: ranks, containing: [path + ":3:"])
    }

    @Test(arguments: [nil, 2] as [Int?])
    func labelsOutOfRange(ranks: Int?) throws {
        let rows = (0..<20).map { "\(Double($0) / 10),\(Double($0 % 3) / 5),\($0 % 7)" }.joined(separator: "\n")
        let path = try file("train.csv", "x,y,label\n" + rows + "\n")
        try expectOneLineError(["--data", path, "--classes", "5"], ranks: ranks, containing: [path, "label 5", "5 classes"])
    }

    @Test(arguments: [nil, 2] as [Int?])
    func aBatchSizeOfZero(ranks: Int?) throws {
        try expectOneLineError(["--batch-size", "0"], ranks: ranks, containing: ["--batch-size must be at least 1"])
    }

    @Test(arguments: [nil, 2] as [Int?])
    func anOptimizerHyperParameterOutOfRange(ranks: Int?) throws {
        try expectOneLineError(["--data", "digits", "--optimizer", "adam", "--betas", "0.9,1.5"], ranks: ranks, containing: ["1.5"])
        try expectOneLineError(["--data", "digits", "--momentum=-0.5"], ranks: ranks, containing: ["momentum", "-0.5"])
    }

    @Test func anUnknownOptimizerOrScheduler() throws {
        try expectOneLineError(["--optimizer", "adamm"], containing: ["unknown optimizer 'adamm'", "adamw"])
        try expectOneLineError(["--scheduler", "cosine-annealing"], containing: ["unknown scheduler 'cosine-annealing'"])
        try expectOneLineError(["--data", "digits", "--scheduler", "step"], containing: ["--step-size"])
    }

    @Test(arguments: [nil, 2] as [Int?])
    func aMissingOrDamagedCheckpointToResumeFrom(ranks: Int?) throws {
        let logs = try makeTemporaryFolder()
        try expectOneLineError(["--data", "digits", "--resume", logs + "/none.safetensors", "--log-dir", logs], ranks: ranks,
                               containing: ["none.safetensors", "does not exist"])
        // A file cut short: reported, and left as it was.
        let damaged = logs + "/damaged.safetensors"
        let bytes = Data([16, 0, 0, 0, 0, 0, 0, 0]) + Data("{\"a\":".utf8)
        try bytes.write(to: URL(fileURLWithPath: damaged))
        try expectOneLineError(["--data", "digits", "--resume", damaged, "--log-dir", logs], ranks: ranks,
                               containing: ["damaged.safetensors"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: damaged)) == bytes)
        try expectOneLineError(["--data", "digits", "--resume", "last", "--log-dir", logs], ranks: ranks, containing: ["last.safetensors"])
    }

    @Test(arguments: [nil, 2] as [Int?])
    func anUnknownCycleGANOptimizerLayout(ranks: Int?) throws {
        try expectOneLineError(["--task", "cyclegan", "--optimizers", "triple"], ranks: ranks,
                               containing: ["--optimizers takes single or separate", "triple"])
    }

    @Test func aGANOptionThatDoesNotApply() throws {
        try expectOneLineError(["--task", "cyclegan", "--lr-g-a", "0.002"], containing: ["--lr-g-a needs --optimizers separate"])
        try expectOneLineError(["--task", "cyclegan", "--optimizers", "single", "--decay-steps", "10", "--decay-rate", "0.5"],
                               containing: ["--decay-steps and --decay-rate need --optimizers separate"])
        try expectOneLineError(["--task", "cyclegan", "--optimizers", "separate", "--lr-d-b", "0.001", "--decay-steps", "10",
                                "--decay-rate", "0.5"], containing: ["--lr-d-b and a shared decay"])
        try expectOneLineError(["--task", "gan", "--generator-frequency", "1", "--discriminator-frequency", "2"],
                               containing: ["need --optimization automatic"])
        try expectOneLineError(["--task", "gan", "--optimization", "automatic", "--discriminator-frequency", "2"],
                               containing: ["--generator-frequency and --discriminator-frequency together"])
        try expectOneLineError(["--task", "gan", "--optimization", "automatic", "--generator-frequency", "0",
                                "--discriminator-frequency", "2"], containing: ["at least 1"])
        try expectOneLineError(["--task", "gan", "--optimization", "sometimes"], containing: ["--optimization takes manual or automatic"])
        try expectOneLineError(["--task", "gan", "--optimizers", "separate"], containing: ["--optimizers applies to the cyclegan task only"])
        try expectOneLineError(["--task", "classifier", "--gan-data", "ring"], containing: ["--gan-data applies to the gan task only, not to classifier"])
        try expectOneLineError(["--task", "gan", "--optimizer", "sgd"], containing: ["--optimizer sgd does not apply to the gan task"])
        try expectOneLineError(["--task", "gan", "--hidden", "128,64"], containing: ["--hidden takes equal widths"])
        try expectOneLineError(["--task", "cyclegan", "--transform", "mirrored"], containing: ["--transform takes inverted or rotated"])
        try expectOneLineError(["--task", "cyclegan", "--scheduler", "cosine"], containing: ["--scheduler cosine does not apply"])
        try expectOneLineError(["--task", "gan", "--data", "train.csv"], containing: ["--data reads a file", "--gan-data"])
    }

    /// As Lightning: the trainer's clipping and accumulation are refused for manual optimization.
    @Test(arguments: [nil, 2] as [Int?])
    func manualOptimizationRefusesTheTrainersClippingAndAccumulation(ranks: Int?) throws {
        try expectOneLineError(["--task", "gan", "--gradient-clip-val", "0.01"], ranks: ranks,
                               containing: ["--gradient-clip-val 0.01 does not apply", "manual optimization"])
        try expectOneLineError(["--task", "gan", "--accumulate-grad-batches", "2"], ranks: ranks,
                               containing: ["--accumulate-grad-batches 2 does not apply", "manual optimization"])
    }
}
