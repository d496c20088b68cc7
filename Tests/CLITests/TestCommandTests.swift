import DDPTestSupport
import Foundation
import Testing

/// `swift-ddp test` (Lightning's `trainer.test`): a checkpoint on Fashion-MNIST's 10,000 test
/// images, whatever the number of ranks, against a NumPy forward pass of the same weights.
@Suite(.serialized) struct TestCommandTests {
    /// A small MLP, so that training and testing take seconds.
    static let model = ["--data", "fashion-mnist", "--model", "mlp", "--hidden", "32"]

    /// The figures of a summary line such as `test_acc 0.7012, test_loss 0.8315 on the 10000 test images`.
    struct Figures {
        var accuracy: Double
        var loss: Double

        init(accuracy: Double, loss: Double) {
            self.accuracy = accuracy
            self.loss = loss
        }

        init(_ result: JobResult) throws {
            let match = try #require(result.standardOutput.firstMatch(
                of: #/test_acc ([0-9.]+), test_loss ([0-9.]+) on the 10000 test images/#), "\(result)")
            accuracy = try #require(Double(match.1))
            loss = try #require(Double(match.2))
        }

        /// Printed to 4 decimals: test_acc is a count of 10,000 images, exact at that precision
        /// (one image may flip where two computations round a logit differently); each
        /// test_loss is rounded to within 0.5e-4 of its value.
        func agrees(with other: Figures) -> Bool {
            abs(accuracy - other.accuracy) <= 1.01e-4 && abs(loss - other.loss) <= 1.01e-4
        }
    }

    /// Trains the MLP for 20 steps on one process; returns its last checkpoint and the test
    /// figures that `fit` printed at its end.
    static func trainedCheckpoint() throws -> (path: String, fitted: Figures) {
        let logs = try makeTemporaryFolder()
        let fit = try CLIRun.run(model + ["--max-steps", "20", "--limit-val-batches", "2", "--debug", "--log-dir", logs])
        #expect(fit.exitCode == 0, "\(fit)")
        return (logs + "/checkpoints/last.safetensors", try Figures(fit))
    }

    @Test func oneTwoAndThreeRanksGiveTheFiguresOfFitAndOfNumPy() throws {
        let (checkpoint, fitted) = try Self.trainedCheckpoint()
        let command = ["test", "--checkpoint", checkpoint] + Self.model
        let one = try CLIRun.run(command)
        let two = try CLIRun.run(command, ranks: 2)
        // 10,000 images over 3 ranks: shards of 3,334, 3,333 and 3,333, weighted by their sizes.
        let three = try CLIRun.run(command, ranks: 3)
        for run in [one, two, three] {
            #expect(run.exitCode == 0, "\(run)")
            // Rank 0 alone prints.
            #expect(run.standardOutput.components(separatedBy: "test_acc").count == 2, "\(run)")
        }
        let single = try Figures(one)
        #expect(single.agrees(with: try Figures(two)), "\(one)\n\(two)")
        #expect(single.agrees(with: try Figures(three)), "\(one)\n\(three)")
        #expect(single.agrees(with: fitted), "\(one)")
        // Trained, if briefly: far above chance (0.1).
        #expect(single.accuracy > 0.5, "\(one)")

        let reference = try runPython(Self.numpyTest, arguments: [checkpoint, "/usr/share/datasets/fashion-mnist"])
        let values = reference.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(values.count == 2, "\(reference)")
        #expect(single.agrees(with: Figures(accuracy: values[0], loss: values[1])), "numpy: \(reference), swift-ddp: \(one)")
    }

    /// The MLP `Linear, ReLU, Linear` of the checkpoint on the test images, in NumPy (float64).
    static let numpyTest = """
        import gzip, sys
        import numpy as np
        from safetensors.numpy import load_file
        weights = load_file(sys.argv[1])
        folder = sys.argv[2]
        with gzip.open(folder + "/t10k-images-idx3-ubyte.gz") as f:
            images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float64) / 255
        with gzip.open(folder + "/t10k-labels-idx1-ubyte.gz") as f:
            labels = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
        w = {name: weights[name].astype(np.float64) for name in ["0.weight", "0.bias", "2.weight", "2.bias"]}
        hidden = np.maximum(images @ w["0.weight"].T + w["0.bias"], 0)
        logits = hidden @ w["2.weight"].T + w["2.bias"]
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -log_probabilities[np.arange(len(labels)), labels].mean()
        accuracy = (logits.argmax(axis=1) == labels).mean()
        print(f"{accuracy:.4f} {loss:.4f}")
        """

    @Test(arguments: [nil, 2] as [Int?])
    func dataWithoutATestSetIsRefusedInOneLine(ranks: Int?) throws {
        // Refused before the checkpoint is read: there is nothing to test it on.
        let result = try CLIRun.run(["test", "--data", "digits", "--checkpoint", "/nonexistent.safetensors"], ranks: ranks)
        #expect(result.exitCode != 0 && !result.timedOut, "\(result)")
        let lines = CLIRun.errorLines(result)
        #expect(lines == ["swift-ddp: error: test needs a data set with a separate test set, and the built-in digits has none: "
                          + "use --data fashion-mnist, or validate for the held-out validation split"], "\(result)")
    }

    @Test func aTaskWithoutATestStepIsRefusedInOneLine() throws {
        let result = try CLIRun.run(["test", "--task", "gan", "--checkpoint", "/nonexistent.safetensors"], ranks: 2)
        #expect(result.exitCode != 0 && !result.timedOut, "\(result)")
        #expect(CLIRun.errorLines(result) == ["swift-ddp: error: the gan task has no test step (test_loss, test_acc): "
                                              + "test a classification task, such as the classifier"], "\(result)")
    }

    @Test(arguments: [
        (["--data", "fashion-mnist", "--max-epochs", "1"], nil), ([], 2), (["test", "--checkpoint", "/nonexistent.safetensors"], 2),
    ] as [([String], Int?)])
    func aMissingPackageIsNamedInOneLineOnEveryRank(arguments: [String], ranks: Int?) throws {
        let missing = try makeTemporaryFolder() + "/fashion-mnist"
        let result = try MPIJob.run(CLIRun.binary, arguments + ["--log-dir", missing + "-logs"], ranks: ranks,
                                    environment: ["SWIFT_DDP_FASHION_MNIST_DIR": missing])
        #expect(result.exitCode != 0 && !result.timedOut, "\(result)")
        let lines = CLIRun.errorLines(result)
        #expect(lines.count == 1, "\(result)")
        #expect(lines.first?.hasPrefix("swift-ddp: error: Fashion-MNIST is not installed (\(missing)/train-images-idx3-ubyte.gz is missing): "
                                       + "install the Debian package dataset-fashion-mnist") == true, "\(result)")
    }
}
