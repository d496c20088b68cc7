import DDPTasks
import DDPTestSupport
import Foundation
import Testing

/// `swift-ddp predict` (Lightning's `trainer.predict`): one CSV row per sample, in the data's
/// order, byte for byte the same on 1, 2 and 3 ranks, against a NumPy forward pass.
@Suite(.serialized) struct PredictCommandTests {
    static let digitsModel = ["--model", "mlp", "--hidden", "32", "--classes", "10"]

    /// The first `count` samples of the built-in digits as a CSV file (header, label last).
    static func digitsFile(count: Int) throws -> String {
        let digits = try Digits.load()
        let features = digits.inputs.shape[1]
        let pixels = digits.inputs.scalars
        var text = ((0..<features).map { "pixel\($0)" } + ["label"]).joined(separator: ",") + "\n"
        for sample in 0..<count {
            let row = pixels[sample * features..<(sample + 1) * features].map { "\($0)" } + [String(digits.labels[sample])]
            text += row.joined(separator: ",") + "\n"
        }
        let path = try makeTemporaryFolder() + "/digits-\(count).csv"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The first line where two files differ, for a message.
    static func firstDifference(_ first: Data, _ second: Data) -> String {
        let lines = [first, second].map { String(decoding: $0, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) }
        guard let line = lines[0].indices.first(where: { $0 < lines[1].count && lines[0][$0] != lines[1][$0] }) else { return "one file is longer" }
        return "line \(line + 1): \(lines[0][line]) | \(lines[1][line])"
    }

    /// The predicted class of each row of a predictions file.
    static func predictedClasses(in path: String) throws -> [Int] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { try #require(Int($0.split(separator: ",")[1])) }
    }

    @Test func anOddDataFileGivesTheSameFileOnOneTwoAndThreeRanksAndTheProbabilitiesOfNumPy() throws {
        let logs = try makeTemporaryFolder()
        let fit = try CLIRun.run(["--data", "digits"] + Self.digitsModel + ["--max-steps", "20", "--debug", "--log-dir", logs])
        #expect(fit.exitCode == 0, "\(fit)")
        let checkpoint = logs + "/checkpoints/last.safetensors"
        // 101 samples in 11 batches of 10 and a last of 1: 6 and 5 batches on 2 ranks, 4, 4 and
        // 3 on 3 ranks, where a padding sampler would repeat samples to even the shards out.
        let data = try Self.digitsFile(count: 101)
        let command = ["predict", "--checkpoint", checkpoint, "--data", data, "--batch-size", "10"] + Self.digitsModel
        var files: [String] = []
        for (name, ranks, extra) in [("one", nil, []), ("debug", 2, ["--debug"]), ("two", 2, []), ("three", 3, [])] as [(String, Int?, [String])] {
            let out = logs + "/\(name).csv"
            let run = try CLIRun.run(command + extra + ["--out", out], ranks: ranks)
            #expect(run.exitCode == 0, "\(run)")
            #expect(run.standardOutput.components(separatedBy: "predictions for the 101 samples").count == (name == "debug" ? 3 : 2),
                    "rank 0 alone writes and prints (each --debug process is its own rank 0): \(run)")
            files.append(out)
        }
        let bytes = try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        for (file, content) in zip(files, bytes).dropFirst() {
            let same = content == bytes[0]
            #expect(same, "\(file) differs from \(files[0]): \(Self.firstDifference(content, bytes[0]))")
        }
        let lines = String(decoding: bytes[0], as: UTF8.self).split(separator: "\n")
        #expect(lines.first == Substring((["index", "predicted_class"] + (0..<10).map { "probability_\($0)" }).joined(separator: ",")))
        #expect(lines.dropFirst().map { Int($0.split(separator: ",")[0]) } == (0..<101).map { $0 })

        // float64 NumPy on the same weights: probabilities to 1e-5 (float32 rounding of a
        // 64-32-10 MLP's softmax), and the same class wherever the top two differ by more.
        let reference = try runPython(Self.numpyPredict, arguments: [checkpoint, data, files[0]])
        let values = reference.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(values.count == 3, "\(reference)")
        #expect(values[0] <= 1e-5, "largest probability difference: \(reference)")
        #expect(values[1] == 0, "classes differing from NumPy's: \(reference)")
        // Trained, if briefly: far above chance (0.1) on these samples.
        #expect(values[2] > 0.5, "accuracy: \(reference)")
    }

    /// The MLP of the checkpoint on a data file, in NumPy (float64), against a predictions file:
    /// prints the largest probability difference, the classes that differ (outside near-ties)
    /// and the accuracy of the file's classes.
    static let numpyPredict = """
        import sys
        import numpy as np
        from safetensors.numpy import load_file
        weights = {k: v.astype(np.float64) for k, v in load_file(sys.argv[1]).items()}
        data = np.loadtxt(sys.argv[2], delimiter=",", skiprows=1)
        inputs, labels = data[:, :-1], data[:, -1].astype(np.int64)
        hidden = np.maximum(inputs @ weights["0.weight"].T + weights["0.bias"], 0)
        logits = hidden @ weights["2.weight"].T + weights["2.bias"]
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=1, keepdims=True)
        rows = np.loadtxt(sys.argv[3], delimiter=",", skiprows=1)
        assert (rows[:, 0] == np.arange(len(labels))).all()
        predicted, theirs = rows[:, 1].astype(np.int64), rows[:, 2:]
        top2 = np.sort(probabilities, axis=1)[:, -2:]
        clear = top2[:, 1] - top2[:, 0] > 1e-5
        differing = ((predicted != probabilities.argmax(axis=1)) & clear).sum()
        print(f"{np.abs(theirs - probabilities).max():.3e} {differing} {(predicted == labels).mean():.4f}")
        """

    @Test func theTestImagesGiveTheSameFileOnOneAndThreeRanksAndTheAccuracyOfTest() throws {
        let (checkpoint, fitted) = try TestCommandTests.trainedCheckpoint()
        let folder = try makeTemporaryFolder()
        let command = ["predict", "--checkpoint", checkpoint] + TestCommandTests.model
        let one = try CLIRun.run(command + ["--out", folder + "/one.csv"])
        // 10,000 images over 3 ranks: shards of 3,334, 3,333 and 3,333.
        let three = try CLIRun.run(command + ["--out", folder + "/three.csv"], ranks: 3)
        for run in [one, three] {
            #expect(run.exitCode == 0, "\(run)")
            #expect(run.standardOutput.contains("predictions for the 10000 test images of Fashion-MNIST written to"), "\(run)")
        }
        let bytes = try ["one", "three"].map { try Data(contentsOf: URL(fileURLWithPath: folder + "/\($0).csv")) }
        let same = bytes[0] == bytes[1]
        #expect(same, "\(Self.firstDifference(bytes[0], bytes[1]))")
        let classes = try Self.predictedClasses(in: folder + "/one.csv")
        let labels = try FashionMNIST.load(.test).labels
        try #require(classes.count == labels.count)
        let accuracy = Double(zip(classes, labels).filter { $0 == $1 }.count) / Double(labels.count)
        // test_acc is printed to 4 decimals, a count of 10,000 images.
        #expect(abs(accuracy - fitted.accuracy) <= 1.01e-4, "predicted \(accuracy), test_acc \(fitted.accuracy)")
    }

    @Test(arguments: [nil, 2] as [Int?])
    func aMissingOutFolderIsRefusedInOneLine(ranks: Int?) throws {
        // Refused before the checkpoint is read: there is nowhere to write.
        let out = try makeTemporaryFolder() + "/missing/predictions.csv"
        let result = try CLIRun.run(["predict", "--data", "digits", "--checkpoint", "/nonexistent.safetensors", "--out", out], ranks: ranks)
        #expect(result.exitCode != 0 && !result.timedOut, "\(result)")
        let folder = (out as NSString).deletingLastPathComponent
        #expect(CLIRun.errorLines(result) == ["swift-ddp: error: --out \(out): the folder \(folder) does not exist; "
                                              + "make it or choose another --out"], "\(result)")
    }

    @Test func aTaskWithoutAPredictStepIsRefusedInOneLine() throws {
        let out = try makeTemporaryFolder() + "/predictions.csv"
        let result = try CLIRun.run(["predict", "--task", "gan", "--checkpoint", "/nonexistent.safetensors", "--out", out], ranks: 2)
        #expect(result.exitCode != 0 && !result.timedOut, "\(result)")
        #expect(CLIRun.errorLines(result) == ["swift-ddp: error: the gan task has no predict step (class probabilities): "
                                              + "predict with a classification task, such as the classifier"], "\(result)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
