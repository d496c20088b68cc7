import DDPTestSupport
import Foundation
import Testing

/// `--config run.yaml` with command-line overrides, and `--print-config`.
@Suite struct ConfigurationTests {
    @Test func printConfigOutputReadsBackAsTheSameConfiguration() throws {
        let folder = try makeTemporaryFolder()
        let printed = try CLIRun.run([
            "fit", "--task", "finetune", "--max-epochs", "3", "--hidden", "64,32", "--optimizer", "adamw", "--lr", "0.01",
            "--betas", "0.8,0.99", "--scheduler", "multistep", "--milestones", "1,2", "--no-shuffle", "--val-split", "0.25",
            "--label-column", "3", "--print-config"])
        #expect(printed.exitCode == 0, "\(printed)")
        #expect(printed.standardOutput.contains("max-epochs: 3"))
        #expect(printed.standardOutput.contains("shuffle: false"))
        let path = folder + "/run.yaml"
        try printed.standardOutput.write(toFile: path, atomically: true, encoding: .utf8)

        let reread = try CLIRun.run(["fit", "--config", path, "--print-config"])
        #expect(reread.exitCode == 0, "\(reread)")
        #expect(reread.standardOutput == printed.standardOutput)
    }

    @Test func commandLineOptionsOverrideTheFile() throws {
        let folder = try makeTemporaryFolder()
        let path = folder + "/run.yaml"
        try "max-epochs: 7\nlr: 0.5\nhidden: [8, 8]\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CLIRun.run(["--config", path, "--lr", "0.25", "--print-config"])
        #expect(result.exitCode == 0, "\(result)")
        #expect(result.standardOutput.contains("max-epochs: 7"))
        #expect(result.standardOutput.contains("lr: 0.25"))
        #expect(!result.standardOutput.contains("lr: 0.5"))
        #expect(result.standardOutput.contains("- 8"))
    }

    @Test func aConfigFileDrivesARealRun() throws {
        let folder = try makeTemporaryFolder()
        let path = folder + "/run.yaml"
        try "task: regression\nmax-steps: 4\nlog-every-n-steps: 1\nlog-dir: \(folder)/logs\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CLIRun.run(["--config", path, "--debug"])
        #expect(result.exitCode == 0, "\(result)")
        #expect(try CLIRun.metric("train_loss", in: folder + "/logs").count == 4)
        // hparams.yaml is itself a configuration file.
        let again = try CLIRun.run(["--config", folder + "/logs/hparams.yaml", "--print-config"])
        #expect(again.exitCode == 0, "\(again)")
        #expect(again.standardOutput.contains("task: regression"))
    }
}

/// The GAN and CycleGAN options are keys of the configuration like every other option.
@Suite struct AdversarialConfigurationTests {
    @Test(arguments: [
        ["--task", "gan", "--optimization", "automatic", "--generator-frequency", "1", "--discriminator-frequency", "2",
         "--gan-data", "digits", "--betas", "0.5,0.99"],
        ["--task", "cyclegan", "--optimizers", "separate", "--lr-g-a", "0.002", "--lr-g-b", "0.001", "--lr-d-a", "0.0005",
         "--lr-d-b", "0.0001", "--transform", "rotated"],
        ["--task", "cyclegan", "--optimizers", "separate", "--decay-steps", "100", "--decay-rate", "0.5"],
    ])
    func printConfigOutputReadsBackAsTheSameConfiguration(_ options: [String]) throws {
        let printed = try CLIRun.run(["fit"] + options + ["--print-config"])
        #expect(printed.exitCode == 0, "\(printed)")
        // Each option given appears as its key.
        for option in options where option.hasPrefix("--") && option != "--betas" {
            #expect(printed.standardOutput.contains("\n" + option.dropFirst(2) + ": "), "\(option): \(printed.standardOutput)")
        }
        let path = try makeTemporaryFolder() + "/run.yaml"
        try printed.standardOutput.write(toFile: path, atomically: true, encoding: .utf8)
        let reread = try CLIRun.run(["fit", "--config", path, "--print-config"])
        #expect(reread.exitCode == 0, "\(reread)")
        #expect(reread.standardOutput == printed.standardOutput)
    }

    @Test func aConfigFileChoosesTheCycleGANsOptimizers() throws {
        let folder = try makeTemporaryFolder()
        let path = folder + "/run.yaml"
        try "task: cyclegan\noptimizers: separate\nlr-g-a: 0.002\nlr-d-b: 0.0005\nmax-steps: 2\nlog-dir: \(folder)/logs\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CLIRun.run(["--config", path, "--debug"])
        #expect(result.exitCode == 0, "\(result)")
        #expect(result.standardOutput.contains("four Adams at lr 0.002 (G A→B), 0.001 (G B→A), 0.001 (D A), 0.0005 (D B)"), "\(result)")
    }
}
