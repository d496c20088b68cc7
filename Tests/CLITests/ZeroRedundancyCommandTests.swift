import DDPTestSupport
import Foundation
import SwiftDDP
import Testing

/// `fit --strategy zero1`: the same checkpoint, weights and optimizer state bit for bit, as
/// `--strategy ddp` on 2 and 3 ranks; checkpoints that resume across strategies and numbers
/// of ranks; L-BFGS refused in one line.
@Suite(.serialized) struct ZeroRedundancyCommandTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var ranks: Int
        var options: [String]
        var testDescription: String { "\(ranks) ranks: " + options.joined(separator: " ") }
    }

    static let classifier = ["--data", "digits", "--hidden", "32,16", "--max-steps", "12", "--batch-size", "24"]
    static let cases: [Case] = [
        Case(ranks: 2, options: classifier + ["--optimizer", "adam", "--lr", "0.01", "--accumulate-grad-batches", "2",
                                              "--gradient-clip-val", "0.5", "--scheduler", "onecycle", "--max-lr", "0.01",
                                              "--scheduler-interval", "step"]),
        Case(ranks: 3, options: classifier + ["--optimizer", "adam", "--lr", "0.01", "--accumulate-grad-batches", "2",
                                              "--gradient-clip-val", "0.5", "--scheduler", "onecycle", "--max-lr", "0.01",
                                              "--scheduler-interval", "step"]),
        Case(ranks: 3, options: classifier + ["--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9", "--scheduler", "step",
                                              "--step-size", "1", "--gamma", "0.5", "--gradient-clip-val", "0.01",
                                              "--gradient-clip-algorithm", "value"]),
        // Two Adam groups (the feature extractor at a tenth of the rate).
        Case(ranks: 3, options: ["--task", "finetune", "--max-steps", "8"]),
        // Two optimizers, stepped by the module (manual optimization) and by the trainer.
        Case(ranks: 2, options: ["--task", "gan", "--max-steps", "6"]),
        Case(ranks: 3, options: ["--task", "gan", "--optimization", "automatic", "--max-steps", "6"]),
    ]

    /// Every tensor of a checkpoint: the weights and each optimizer's state.
    static func tensors(_ path: String) throws -> [String: [Float]] {
        var result: [String: [Float]] = [:]
        for (name, tensor) in try SafeTensorsFile.read(from: path).tensors { result[name] = tensor.scalars }
        return result
    }

    /// Records the names whose tensors differ (the tensors themselves are too long to print).
    static func expectBitwiseEqual(_ found: [String: [Float]], _ expected: [String: [Float]], _ context: String,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(found.keys.sorted() == expected.keys.sorted(), "\(context)", sourceLocation: sourceLocation)
        let differing = expected.keys.sorted().filter { found[$0] != expected[$0] }
        #expect(differing.isEmpty, "\(context): \(differing.joined(separator: ", ")) differ", sourceLocation: sourceLocation)
    }

    static func run(_ options: [String], ranks: Int?, logs: String) throws {
        let result = try CLIRun.run(options + ["--seed", "4", "--no-model-summary", "--log-dir", logs], ranks: ranks)
        #expect(result.exitCode == 0, "\(result)")
    }

    @Test(arguments: cases)
    func zero1EndsBitwiseAsDDP(_ testCase: Case) throws {
        let ddp = try makeTemporaryFolder(), zero1 = try makeTemporaryFolder()
        try Self.run(testCase.options + ["--strategy", "ddp"], ranks: testCase.ranks, logs: ddp)
        try Self.run(testCase.options + ["--strategy", "zero1"], ranks: testCase.ranks, logs: zero1)
        let expected = try Self.tensors(ddp + "/checkpoints/last.safetensors")
        let found = try Self.tensors(zero1 + "/checkpoints/last.safetensors")
        #expect(expected.keys.contains { $0.hasPrefix("optimizer_states.") }, "the optimizer state is compared too")
        Self.expectBitwiseEqual(found, expected, "zero1 against ddp")
    }

    /// 1,536 training digits, 16 global batches of 96 an epoch (48 on each of 2 ranks, 32 on
    /// each of 3, all 96 on one); 2 epochs, checkpointed at step 20 of 32.
    static let resumable = ["--data", "digits", "--val-split", "0.1453", "--hidden", "32", "--optimizer", "adam", "--lr", "0.01",
                            "--max-epochs", "2", "--log-every-n-steps", "1"]

    /// |a - b| / |b| over the whole tensor (single elements near zero would make a
    /// per-element ratio meaningless).
    static func relativeDistance(_ a: [Float], _ b: [Float]) -> Double {
        let difference = zip(a, b).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
        let size = b.reduce(0.0) { $0 + Double($1) * Double($1) }
        return (difference / max(size, 1e-30)).squareRoot()
    }

    static func perRank(_ ranks: Int) -> [String] { ["--batch-size", String(96 / ranks)] }

    @Test func aZero1CheckpointResumesWithAndWithoutZero1OnAnyNumberOfRanks() throws {
        let options = Self.resumable
        // The uninterrupted runs on 2 ranks, and a stop at step 20 of each strategy.
        let wholeDDP = try makeTemporaryFolder(), wholeZero1 = try makeTemporaryFolder()
        let stoppedDDP = try makeTemporaryFolder(), stoppedZero1 = try makeTemporaryFolder()
        try Self.run(options + Self.perRank(2) + ["--strategy", "ddp"], ranks: 2, logs: wholeDDP)
        try Self.run(options + Self.perRank(2) + ["--strategy", "zero1"], ranks: 2, logs: wholeZero1)
        try Self.run(options + Self.perRank(2) + ["--strategy", "ddp", "--max-steps", "20"], ranks: 2, logs: stoppedDDP)
        try Self.run(options + Self.perRank(2) + ["--strategy", "zero1", "--max-steps", "20"], ranks: 2, logs: stoppedZero1)
        let expected = try Self.tensors(wholeDDP + "/checkpoints/last.safetensors")
        Self.expectBitwiseEqual(try Self.tensors(wholeZero1 + "/checkpoints/last.safetensors"), expected, "uninterrupted zero1")
        // The gathered zero1 checkpoint is the plain one.
        let stoppedPlain = try Self.tensors(stoppedDDP + "/checkpoints/last.safetensors")
        Self.expectBitwiseEqual(try Self.tensors(stoppedZero1 + "/checkpoints/last.safetensors"), stoppedPlain, "at step 20")

        // Resumed on 2 ranks with zero1: exactly the uninterrupted run.
        let again = try makeTemporaryFolder()
        try Self.run(options + Self.perRank(2) + ["--strategy", "zero1", "--resume", stoppedZero1 + "/checkpoints/last.safetensors"],
                     ranks: 2, logs: again)
        Self.expectBitwiseEqual(try Self.tensors(again + "/checkpoints/last.safetensors"), expected, "resumed with zero1 on 2 ranks")

        // On 1 rank without zero1, and on 3 ranks with zero1: the zero1 checkpoint continues
        // bit for bit as the plain checkpoint does (under the other strategy, for 3 ranks).
        // Against the uninterrupted 2-rank run the mean over another number of ranks rounds
        // otherwise, as for any change of rank count: within a relative 1e-5.
        for (ranks, strategies) in [(1, ("ddp", "ddp")), (3, ("zero1", "ddp"))] {
            let fromZero1 = try makeTemporaryFolder(), fromDDP = try makeTemporaryFolder()
            let single = ranks == 1 ? ["--debug"] : []
            try Self.run(options + Self.perRank(ranks) + single + ["--strategy", strategies.0,
                         "--resume", stoppedZero1 + "/checkpoints/last.safetensors"], ranks: ranks == 1 ? nil : ranks, logs: fromZero1)
            try Self.run(options + Self.perRank(ranks) + single + ["--strategy", strategies.1,
                         "--resume", stoppedDDP + "/checkpoints/last.safetensors"], ranks: ranks == 1 ? nil : ranks, logs: fromDDP)
            let continued = try Self.tensors(fromZero1 + "/checkpoints/last.safetensors")
            let continuedPlain = try Self.tensors(fromDDP + "/checkpoints/last.safetensors")
            Self.expectBitwiseEqual(continued, continuedPlain, "resumed on \(ranks) ranks")
            for (name, values) in expected where !name.hasPrefix("optimizer_states.") {
                let other = continued[name] ?? []
                #expect(other.count == values.count && Self.relativeDistance(other, values) < 1e-5, "\(name) on \(ranks) ranks")
            }
            #expect(try CLIRun.metric("train_loss", in: fromZero1).last?.step == 31)
        }
    }

    /// `strategy` is a configuration key like the others.
    @Test func aConfigurationFileChoosesTheStrategy() throws {
        let bad = BadInputTests()
        let good = try bad.file("run.yaml", "data: digits\nstrategy: zero1\n")
        let printed = try CLIRun.run(["--config", good, "--print-config"])
        #expect(printed.exitCode == 0 && printed.standardOutput.contains("strategy: zero1"), "\(printed)")
        let wrong = try bad.file("run.yaml", "data: digits\nstrategy: zero3\n")
        try bad.expectOneLineError(["--config", wrong], containing: [wrong + ":2:11: 'strategy' takes ddp or zero1, got 'zero3'"])
    }

    @Test(arguments: [nil, 2] as [Int?])
    func lbfgsIsRefusedOnEveryRank(ranks: Int?) throws {
        let line = try BadInputTests().expectOneLineError(["--task", "lbfgs", "--strategy", "zero1"], ranks: ranks,
                                                          containing: ["--strategy zero1", "L-BFGS", "--strategy ddp"])
        #expect(!line.isEmpty)
    }
}
