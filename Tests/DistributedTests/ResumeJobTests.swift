import DDPTestSupport
import Foundation
import Testing

/// Exact resume as real processes: `ddp-worker resume` trains a classifier with dropout, Adam
/// and a per-step StepLR for 3 epochs of 6 steps, with a checkpoint every 4 steps; the
/// checkpoint `epoch=1-step=8` lies in the middle of the second epoch.
@Suite(.serialized) struct ResumeJobTests {
    let worker = MPIJob.binary("ddp-worker")
    static let middle = "/checkpoints/epoch=1-step=8.safetensors"

    /// Runs the scenario and returns rank 0's result line.
    private func train(_ arguments: [String], ranks: Int?) throws -> [String: Any] {
        let job = try MPIJob.run(worker, ["resume"] + arguments, ranks: ranks)
        try #require(job.exitCode == 0 && !job.timedOut, "\(job)")
        return try #require(job.jsonLines.last, "no result line: \(job)")
    }

    /// The logged values at or after `step`, exactly: "step epoch name bits".
    private func logged(_ result: [String: Any], from step: Int) -> [String] {
        (result["events"] as? [[String: Any]] ?? []).compactMap { event in
            guard let at = event["step"] as? Int, at >= step else { return nil }
            return "\(at) \(event["epoch"]!) \(event["name"]!) \(event["bits"]!)"
        }
    }

    private func stepLosses(_ result: [String: Any], from step: Int) -> [(step: Int, loss: Float)] {
        (result["events"] as? [[String: Any]] ?? []).compactMap { event in
            guard let at = event["step"] as? Int, at >= step, event["name"] as? String == "train_loss_step",
                  let value = event["value"] as? Double else { return nil }
            return (at, Float(value))
        }
    }

    @Test(arguments: [nil, 2] as [Int?])
    func aResumedRunEndsBitwiseLikeTheUninterruptedOne(ranks: Int?) throws {
        let full = try makeTemporaryFolder(), resumed = try makeTemporaryFolder()
        let uninterrupted = try train(["--dir", full], ranks: ranks)
        let continued = try train(["--dir", resumed, "--resume", full + Self.middle], ranks: ranks)
        #expect(continued["global_step"] as? Int == 18)
        #expect((continued["parameters"] as? [Int])?.isEmpty == false)
        #expect(continued["parameters"] as? [Int] == uninterrupted["parameters"] as? [Int])
        let after = logged(continued, from: 8)
        #expect(after.count == 14)  // 10 step losses, 2 validations, 2 epoch means
        #expect(after == logged(uninterrupted, from: 8))
        #expect((continued["notes"] as? [String])?.isEmpty == true)
    }

    @Test func twoRanksContinueAOneRankCheckpointWithTheSameGlobalBatches() throws {
        let full = try makeTemporaryFolder(), resumed = try makeTemporaryFolder()
        // No dropout: the per-rank streams of two ranks cannot be those of one.
        let single = try train(["--dir", full, "--dropout", "0"], ranks: nil)
        let double = try train(["--dir", resumed, "--dropout", "0", "--resume", full + Self.middle], ranks: 2)
        let expected = stepLosses(single, from: 8), losses = stepLosses(double, from: 8)
        #expect(losses.map(\.step) == Array(8..<18))
        #expect(losses.map(\.step) == expected.map(\.step))
        #expect(allClose(losses.map(\.loss), expected.map(\.loss), rtol: 1e-5, atol: 1e-6))
        #expect((double["notes"] as? [String])?.contains { $0.contains("1-rank checkpoint on 2 ranks") } == true)
    }

    @Test func twoRanksWriteOneSetOfFiles() throws {
        let folder = try makeTemporaryFolder()
        _ = try train(["--dir", folder], ranks: 2)
        let logs = try FileManager.default.contentsOfDirectory(atPath: folder + "/logs").sorted()
        #expect(logs.count == 2)
        #expect(logs.filter { $0 == "metrics.csv" }.count == 1)
        #expect(logs.filter { $0.hasPrefix("events.out.tfevents.") }.count == 1)
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: folder + "/checkpoints").sorted()
        #expect(checkpoints == ["epoch=0-step=4.safetensors", "epoch=1-step=12.safetensors", "epoch=1-step=8.safetensors",
                                "epoch=2-step=16.safetensors", "last.safetensors"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) .sorted() == ["checkpoints", "logs"])
    }

    @Test func aDifferentModelIsOneLineOnEveryRankAndANonZeroExit() throws {
        let full = try makeTemporaryFolder(), other = try makeTemporaryFolder()
        _ = try train(["--dir", full], ranks: nil)
        let job = try MPIJob.run(worker, ["resume", "--dir", other, "--hidden", "12", "--resume", full + Self.middle],
                                 ranks: 2)
        #expect(job.exitCode != 0 && !job.timedOut)
        #expect(job.standardError.contains("was saved from another model"))
        #expect(job.standardError.contains("net.0.weight (model [12, 6], checkpoint [16, 6])"))
        #expect(!FileManager.default.fileExists(atPath: other + "/checkpoints"))
    }
}
