import DDPTestSupport
import Foundation
import Testing

/// `--task gpt` and `swift-ddp generate` through the command: a short training run on a
/// small text, sampling from its checkpoint, and each bad input as one line on every rank.
@Suite(.serialized) struct GPTCommandTests {
    /// A tiny model that trains in seconds.
    static let tiny = ["--task", "gpt", "--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--block-size", "16",
                       "--batch-size", "8"]

    /// A text of a few thousand characters with structure to learn.
    func textFile(_ name: String = "text.txt") throws -> String {
        let path = try makeTemporaryFolder() + "/" + name
        let lines = (0..<300).map { "the \(["cat", "dog", "bird"][$0 % 3]) sat on the \(["mat", "log"][$0 % 2]).\n" }
        try lines.joined().write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func expectOneLineError(_ arguments: [String], ranks: Int? = nil, containing expected: [String],
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try CLIRun.run(arguments, ranks: ranks)
        #expect(!result.timedOut && result.exitCode != 0, "\(result)", sourceLocation: sourceLocation)
        let lines = CLIRun.errorLines(result)
        #expect(lines.count == 1 && lines[0].hasPrefix("swift-ddp: error: "), "\(result)", sourceLocation: sourceLocation)
        for text in expected { #expect(lines.first?.contains(text) == true, "\(lines)", sourceLocation: sourceLocation) }
        #expect(result.standardOutput.isEmpty, "\(result)", sourceLocation: sourceLocation)
    }

    /// Trains the tiny model on `textFile()` and returns its log folder.
    func trainTiny(ranks: Int?, steps: Int = 40) throws -> String {
        let logs = try makeTemporaryFolder()
        let result = try CLIRun.run(Self.tiny + ["--data", try textFile(), "--max-steps", String(steps), "--max-epochs", "100",
                                                 "--limit-train-batches", "20", "--log-every-n-steps", "1", "--log-dir", logs,
                                                 "--lr", "1e-2"] + (ranks == nil ? ["--debug"] : []), ranks: ranks)
        try #require(result.exitCode == 0 && !result.timedOut, "\(result)")
        return logs
    }

    @Test(arguments: [nil, 2] as [Int?])
    func trainingLowersTheValidationBitsPerCharacter(ranks: Int?) throws {
        let logs = try trainTiny(ranks: ranks)
        let loss = try CLIRun.metric("val_loss", in: logs), bpc = try CLIRun.metric("val_bpc", in: logs)
        let train = try CLIRun.metric("train_loss", in: logs)
        #expect(train.count == 40)
        try #require(bpc.count == 2 && loss.count == 2, "validation after each of the two epochs")
        for (nats, bits) in zip(loss, bpc) { #expect(isClose(bits.value, to: nats.value / log(2), relative: 1e-6)) }
        // Uniform over the text's 18 characters would be log2(18) ≈ 4.2 bits.
        #expect(bpc[1].value < bpc[0].value && bpc[1].value < 2.5, "\(bpc)")
    }

    @Test func generateContinuesThePromptDeterministically() throws {
        let logs = try trainTiny(ranks: nil)
        let checkpoint = logs + "/checkpoints/last.safetensors"
        let arguments = ["generate", "--checkpoint", checkpoint, "--prompt", "the ", "--max-new-tokens", "60", "--seed", "4"]
        let first = try CLIRun.run(arguments), second = try CLIRun.run(arguments)
        #expect(first.exitCode == 0, "\(first)")
        #expect(first.standardOutput.hasPrefix("the "))
        #expect(first.standardOutput.unicodeScalars.count == 4 + 60 + 1, "prompt, 60 characters and a newline: \(first.standardOutput)")
        #expect(first.standardOutput == second.standardOutput)
        let greedy = try CLIRun.run(arguments + ["--top-k", "1", "--temperature", "0.5"])
        #expect(greedy.exitCode == 0 && greedy.standardOutput.hasPrefix("the "), "\(greedy)")
        // A prompt outside the vocabulary: one line naming the characters.
        let foreign = try CLIRun.run(["generate", "--checkpoint", checkpoint, "--prompt", "the Zebra"])
        #expect(foreign.exitCode != 0 && CLIRun.errorLines(foreign).count == 1, "\(foreign)")
        #expect(CLIRun.errorLines(foreign).first?.contains("--prompt has 1 character(s) outside the model's vocabulary of 18: 'Z'") == true,
                "\(foreign)")
        #expect(foreign.standardOutput.isEmpty)
    }

    /// Dropout draws from each rank's own stream, yet the replicas stay identical (checked
    /// after every step), and validation and sampling run with it off.
    @Test func dropoutTrainsOnTwoRanksAndSamples() throws {
        let logs = try makeTemporaryFolder()
        let result = try CLIRun.run(Self.tiny + ["--data", try textFile(), "--dropout", "0.2", "--max-steps", "20",
                                                 "--limit-train-batches", "10", "--check-consistency", "1", "--log-dir", logs],
                                    ranks: 2)
        try #require(result.exitCode == 0 && !result.timedOut, "\(result)")
        #expect(try CLIRun.metric("val_bpc", in: logs).count == 2)
        let sample = try CLIRun.run(["generate", "--checkpoint", logs + "/checkpoints/last.safetensors", "--prompt", "the ",
                                     "--max-new-tokens", "20"])
        #expect(sample.exitCode == 0 && sample.standardOutput.hasPrefix("the "), "\(sample)")
    }

    @Test func generateRefusesACheckpointOfAnotherTask() throws {
        let logs = try makeTemporaryFolder()
        let trained = try CLIRun.run(["--debug", "--max-epochs", "1", "--log-dir", logs])
        try #require(trained.exitCode == 0, "\(trained)")
        try expectOneLineError(["generate", "--checkpoint", logs + "/checkpoints/last.safetensors"],
                               containing: ["is a checkpoint of the classifier task, not of --task gpt"])
    }

    @Test(arguments: [nil, 2] as [Int?])
    func badTextInput(ranks: Int?) throws {
        let folder = try makeTemporaryFolder()
        let empty = folder + "/empty.txt"
        try Data().write(to: URL(fileURLWithPath: empty))
        try expectOneLineError(["--task", "gpt", "--data", empty], ranks: ranks, containing: [empty, "is empty"])
        let latin1 = folder + "/latin1.txt"
        try Data([0x63, 0x61, 0x66, 0xE9, 0x0A]).write(to: URL(fileURLWithPath: latin1))
        try expectOneLineError(["--task", "gpt", "--data", latin1], ranks: ranks, containing: [latin1, "is not UTF-8", "offset 3"])
        let short = folder + "/short.txt"
        try String(repeating: "abc ", count: 20).write(toFile: short, atomically: true, encoding: .utf8)
        try expectOneLineError(["--task", "gpt", "--data", short], ranks: ranks,
                               containing: [short, "too short for --block-size 128", "smaller --block-size"])
    }

    @Test(arguments: [nil, 2] as [Int?])
    func badModelSizes(ranks: Int?) throws {
        try expectOneLineError(["--task", "gpt", "--n-embd", "100", "--n-head", "3"], ranks: ranks,
                               containing: ["--n-embd 100 is not divisible by --n-head 3"])
        try expectOneLineError(["--task", "gpt", "--n-layer", "0"], ranks: ranks, containing: ["--n-layer must be at least 1"])
        try expectOneLineError(["--n-layer", "2"], ranks: ranks, containing: ["--n-layer applies to the gpt task only, not to classifier"])
        try expectOneLineError(["--task", "gpt", "--data", "digits"], ranks: ranks, containing: ["--data digits is the built-in digits, not text"])
    }

    @Test func badGenerateOptions() throws {
        try expectOneLineError(["generate", "--checkpoint", "/nonexistent/last.safetensors"], containing: ["does not exist"])
        try expectOneLineError(["generate", "--checkpoint", "x", "--temperature", "0"], containing: ["--temperature must be a positive number"])
        try expectOneLineError(["generate", "--checkpoint", "x", "--top-k", "0"], containing: ["--top-k must be at least 1"])
    }
}
