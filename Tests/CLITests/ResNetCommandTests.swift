import DDPTestSupport
import Foundation
import Testing

/// `--model resnet` and `--sync-batchnorm` through the command line, on the 8x8 digits.
@Suite struct ResNetCommandTests {
    /// Two ranks, with and without SyncBatchNorm, auditing parameters and buffers after every
    /// step (a difference would stop the job): both learn the digits.
    @Test(arguments: [false, true]) func resnetTrainsOnTwoRanksWithIdenticalBuffers(syncBatchNorm: Bool) throws {
        let logs = try makeTemporaryFolder()
        let result = try CLIRun.run(["--data", "digits", "--model", "resnet", "--hidden", "8,16", "--max-epochs", "5", "--batch-size", "32",
                                     "--check-consistency", "1", "--log-dir", logs] + (syncBatchNorm ? ["--sync-batchnorm"] : []),
                                    ranks: 2)
        #expect(result.exitCode == 0, "\(result)")
        #expect(result.standardOutput.contains("resnet classifier"), "\(result)")
        let accuracy = try #require(try CLIRun.metric("val_acc", in: logs).last?.value)
        #expect(accuracy > 0.6, "\(result)")   // 0.1 by chance
    }

    @Test func resnetNeedsSquareImages() throws {
        let path = try makeTemporaryFolder() + "/rows.csv"
        let rows = (0..<20).map { "\($0 % 3),\($0 % 5),\($0 % 2)" }
        try (rows.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CLIRun.run(["--model", "resnet", "--data", path], ranks: 2)
        #expect(result.exitCode != 0)
        let lines = CLIRun.errorLines(result)
        #expect(lines.count == 1 && lines[0].hasPrefix("swift-ddp: error: ") && lines[0].contains("--model resnet needs images"),
                "\(result)")
    }
}
