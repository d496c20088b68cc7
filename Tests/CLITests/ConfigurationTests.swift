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
