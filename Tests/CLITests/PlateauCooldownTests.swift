import DDPTestSupport
import Foundation
import Testing

/// `--cooldown`, an option declared once in `SchedulerSettings` and read where the plateau
/// scheduler is made: the command line, a configuration file and `--print-config` know it
/// with nothing else added.
@Suite struct PlateauCooldownTests {
    @Test func cooldownIsAnOptionAndAKeyOfConfigurationFiles() throws {
        let folder = try makeTemporaryFolder()
        let path = folder + "/run.yaml"
        try "scheduler: plateau\ncooldown: 3\n".write(toFile: path, atomically: true, encoding: .utf8)
        let fromFile = try CLIRun.run(["fit", "--config", path, "--print-config"])
        #expect(fromFile.exitCode == 0, "\(fromFile)")
        #expect(fromFile.standardOutput.contains("cooldown: 3\n"))

        let overridden = try CLIRun.run(["fit", "--config", path, "--cooldown", "1", "--print-config"])
        #expect(overridden.standardOutput.contains("cooldown: 1\n"))
        #expect(!overridden.standardOutput.contains("cooldown: 3"))

        let help = try CLIRun.run(["fit", "--help"])
        #expect(help.standardOutput.contains("--cooldown <cooldown>"))
    }

    @Test func cooldownReachesThePlateauScheduler() throws {
        let folder = try makeTemporaryFolder()
        let refused = try CLIRun.run([
            "fit", "--debug", "--data", "digits", "--scheduler", "plateau", "--cooldown=-1", "--max-steps", "1", "--log-dir", folder + "/refused"])
        #expect(refused.exitCode == 1)
        #expect(CLIRun.errorLines(refused) == ["swift-ddp: error: ReduceLROnPlateau: invalid patience 10 or cooldown -1: use values >= 0"])

        let run = try CLIRun.run([
            "fit", "--debug", "--data", "digits", "--scheduler", "plateau", "--cooldown", "2", "--max-epochs", "2", "--limit-train-batches", "2",
            "--limit-val-batches", "1", "--log-dir", folder + "/run"])
        #expect(run.exitCode == 0, "\(run)")
    }
}
