import DDPTestSupport
import Foundation
import SwiftDDP
import Testing

/// `fit --resume`: a run stopped mid-epoch and resumed ends where the uninterrupted run ends,
/// on one process and on another number of ranks; a run with other settings is refused.
@Suite(.serialized) struct ResumeCommandTests {
    /// 3 epochs of 26 batches (1,617 training digits, 64 per global batch): steps 0-77.
    let common = ["--data", "digits", "--max-epochs", "3", "--batch-size", "64", "--hidden", "32", "--log-every-n-steps", "1", "--seed", "3"]

    func weights(_ logs: String) throws -> [String: [Float]] {
        let file = try SafeTensorsFile.read(from: logs + "/checkpoints/last.safetensors")
        var result: [String: [Float]] = [:]
        for (name, tensor) in file.tensors where !name.hasPrefix("optimizer_states.") { result[name] = tensor.scalars }
        return result
    }

    @Test func aRunStoppedMidEpochAndResumedEndsBitwiseLikeTheUninterruptedOne() throws {
        let whole = try makeTemporaryFolder(), split = try makeTemporaryFolder()
        let uninterrupted = try CLIRun.run(common + ["--debug", "--log-dir", whole])
        // Stops in the middle of the second epoch; the resumed run reads last.safetensors.
        let first = try CLIRun.run(common + ["--debug", "--max-steps", "40", "--log-dir", split])
        let resumed = try CLIRun.run(common + ["--debug", "--resume", "last", "--log-dir", split])
        for run in [uninterrupted, first, resumed] { #expect(run.exitCode == 0, "\(run)") }

        let expected = try CLIRun.metric("train_loss", in: whole)
        let continued = try CLIRun.metric("train_loss", in: split)
        #expect(expected.count == 78)
        // metrics.csv of the resumed folder keeps the rows before the checkpoint and continues them.
        #expect(continued.map(\.step) == expected.map(\.step))
        // Exactly: resume is bitwise, and both columns were written by the same CSV code.
        #expect(continued.map(\.value) == expected.map(\.value))
        #expect(try weights(split) == weights(whole))
    }

    @Test func twoRanksContinueAOneProcessCheckpointWithTheSameGlobalBatches() throws {
        let whole = try makeTemporaryFolder(), split = try makeTemporaryFolder()
        // 1,536 training digits, 24 whole global batches an epoch: with a remainder, the
        // distributed sampler would pad the last batch of every epoch on two ranks.
        let common = common + ["--val-split", "0.1453"]
        let uninterrupted = try CLIRun.run(common + ["--debug", "--log-dir", whole])
        let first = try CLIRun.run(common + ["--debug", "--max-steps", "40", "--log-dir", split])
        let halves = common.map { $0 == "64" ? "32" : $0 }
        let resumed = try CLIRun.run(halves + ["--resume", "last", "--log-dir", split], ranks: 2)
        for run in [uninterrupted, first, resumed] { #expect(run.exitCode == 0, "\(run)") }
        #expect(resumed.standardError.contains("rank"), "the change of rank count is said: \(resumed)")

        let expected = try CLIRun.metric("train_loss", in: whole)
        let continued = try CLIRun.metric("train_loss", in: split)
        #expect(expected.count == 72)
        #expect(continued.map(\.step) == expected.map(\.step))
        for (a, b) in zip(continued, expected) {
            #expect(abs(a.value - b.value) <= 1e-5 * abs(b.value), "step \(a.step): \(a.value) vs \(b.value)")
        }
    }

    @Test func aResumeWithOtherSettingsIsRefusedUnlessForced() throws {
        let logs = try makeTemporaryFolder()
        #expect(try CLIRun.run(common + ["--debug", "--max-steps", "10", "--log-dir", logs]).exitCode == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: logs + "/checkpoints/last.safetensors"))

        let refused = try CLIRun.run(common + ["--debug", "--resume", "last", "--lr", "0.3", "--log-dir", logs])
        #expect(refused.exitCode != 0, "\(refused)")
        let lines = CLIRun.errorLines(refused)
        #expect(lines.count == 1 && lines[0].contains("lr 0.3") && lines[0].contains("--force-resume"), "\(refused)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: logs + "/checkpoints/last.safetensors")) == before)

        let forced = try CLIRun.run(common + ["--debug", "--resume", "last", "--lr", "0.3", "--force-resume", "--max-steps", "12",
                                              "--log-dir", logs])
        #expect(forced.exitCode == 0, "\(forced)")
    }
}
