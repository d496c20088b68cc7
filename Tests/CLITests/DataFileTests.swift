import DDPTestSupport
import Foundation
import Testing

/// `--data` files through the command line.
@Suite struct DataFileTests {
    /// Two well-separated blobs, with the label in the middle column of a CSV with a header.
    func blobs() throws -> String {
        var rows = ["x,class,y"]
        for i in 0..<200 {
            let label = i % 2
            let jitter = Double((i * 37) % 100) / 100 - 0.5
            rows.append("\(Double(label) * 4 + jitter),\(label),\(Double(label) * -3 + jitter * 0.5)")
        }
        let path = try makeTemporaryFolder() + "/blobs.csv"
        try (rows.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aCSVFileWithANamedLabelColumnTrainsAClassifierOnTwoRanks() throws {
        let logs = try makeTemporaryFolder()
        let result = try CLIRun.run(["--data", try blobs(), "--label-column", "class", "--hidden", "16", "--max-epochs", "5",
                                     "--batch-size", "16", "--val-split", "0.25", "--log-dir", logs], ranks: 2)
        #expect(result.exitCode == 0, "\(result)")
        #expect(result.standardOutput.contains("2 classes"), "\(result)")
        let accuracy = try #require(try CLIRun.metric("val_acc", in: logs).last?.value)
        #expect(accuracy == 1, "\(result)")   // every validation sample right: exactly 1
    }

    /// Fashion-MNIST by name: 54,000 training and 6,000 validation images of 784 pixels.
    @Test func fashionMNISTByNameTrainsOnTwoRanks() throws {
        let logs = try makeTemporaryFolder()
        let result = try CLIRun.run(["--data", "fashion-mnist", "--max-epochs", "1", "--limit-train-batches", "200",
                                     "--log-dir", logs], ranks: 2)
        #expect(result.exitCode == 0, "\(result)")
        #expect(result.standardOutput.contains("10 classes"), "\(result)")
        let accuracy = try #require(try CLIRun.metric("val_acc", in: logs).last?.value)
        #expect(accuracy > 0.6, "\(result)")   // 0.1 by chance; about 0.8 after these 200 batches
    }

    @Test func aLabelColumnThatIsNotInTheHeaderIsAnError() throws {
        let result = try CLIRun.run(["--data", try blobs(), "--label-column", "species", "--debug"])
        #expect(result.exitCode != 0)
        let lines = CLIRun.errorLines(result)
        #expect(lines.count == 1 && lines[0].hasPrefix("swift-ddp: error: ") && lines[0].contains("species"), "\(result)")
    }

    @Test func validateWithAMissingCheckpointIsOneLineOnEveryRank() throws {
        let result = try CLIRun.run(["validate", "--data", "digits", "--checkpoint", "/tmp/no-such-model.safetensors"], ranks: 2)
        #expect(result.exitCode != 0 && !result.timedOut, "\(result)")
        let lines = CLIRun.errorLines(result)
        #expect(lines.count == 1 && lines[0].hasPrefix("swift-ddp: error: ") && lines[0].contains("/tmp/no-such-model.safetensors"),
                "\(result)")
    }
}
