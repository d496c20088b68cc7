import DDPTestSupport
import Foundation
import Testing

/// `swift-ddp --data digits` with no other options: the MLP on the built-in digits for 20
/// epochs over two ranks. (With no options at all, the classifier trains a CNN on
/// Fashion-MNIST for about a minute: `TaskRegistryTests` checks that configuration.)
@Suite(.serialized) struct DefaultRunTests {
    // Its speed (seconds on an idle 2-core machine) is the benchmarks' concern: a
    // loaded machine is slower, and the run's length is not checked here.
    @Test func learnsTheDigitsToAtLeast95PercentOnTwoRanks() throws {
        let logs = try makeTemporaryFolder()
        let result = try CLIRun.run(["--data", "digits", "--log-dir", logs], ranks: 2)
        #expect(result.exitCode == 0, "\(result)")
        let accuracy = try #require(try CLIRun.metric("val_acc", in: logs).last?.value)
        #expect(accuracy >= 0.95, "\(result)")
        #expect(result.standardOutput.contains("val_acc"), "\(result)")
        // Without a terminal the progress reporter writes plain lines on standard error.
        #expect(result.standardError.contains("Epoch 20/20"), "\(result)")
        let hparams = try String(contentsOfFile: logs + "/hparams.yaml", encoding: .utf8)
        #expect(hparams.contains("task: classifier"))
        // train_loss is logged once per optimizer step (every 10th is written by default).
        let losses = try CLIRun.metric("train_loss", in: logs)
        #expect(losses.count >= 50 && losses.first!.value > losses.last!.value)
        // Rank 0 alone writes: one of each file, and one set of checkpoints (the newest epoch and last).
        let files = try FileManager.default.contentsOfDirectory(atPath: logs).sorted()
        #expect(files.filter { $0.hasPrefix("events.out.tfevents.") }.count == 1, "\(files)")
        #expect(files.filter { !$0.hasPrefix("events.out.tfevents.") }
                == ["checkpoints", "curves.svg", "hparams.yaml", "metrics.csv"], "\(files)")
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: logs + "/checkpoints").sorted()
        #expect(checkpoints == ["epoch=19-step=520.safetensors", "last.safetensors"], "\(checkpoints)")
    }
}
