import DDPTestSupport
import Foundation
import Testing

/// `swift-ddp inspect` and `swift-ddp export` on a checkpoint written by `ddp-worker resume`
/// (a 6-16-3 classifier with dropout at `net.2`, Adam, StepLR), and Python's reading of both.
@Suite(.serialized) struct CheckpointCommandTests {
    let tool = MPIJob.binary("swift-ddp")

    /// A fresh run's folder with its checkpoints.
    private func trainedFolder() throws -> String {
        let folder = try makeTemporaryFolder()
        let job = try MPIJob.run(MPIJob.binary("ddp-worker"), ["resume", "--dir", folder], ranks: nil)
        try #require(job.exitCode == 0, "\(job)")
        return folder
    }

    private func swiftDDP(_ arguments: [String]) throws -> JobResult {
        try MPIJob.run(tool, arguments, ranks: nil)
    }

    /// Checks a failed command: non-zero exit, one line `swift-ddp: error: ...` containing `phrase`.
    private func expectOneLineError(_ job: JobResult, _ phrase: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(job.exitCode != 0, "\(job)", sourceLocation: sourceLocation)
        let lines = job.standardError.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("swift-ddp: error: ") && lines[0].contains(phrase),
                "\(job)", sourceLocation: sourceLocation)
    }

    @Test func inspectShowsProgressRunShapeTensorsAndStates() throws {
        let folder = try trainedFolder()
        let job = try swiftDDP(["inspect", folder + "/checkpoints/epoch=1-step=8.safetensors"])
        #expect(job.exitCode == 0, "\(job)")
        let out = job.standardOutput
        #expect(out.contains("progress: epoch 1, batch 2 of 6, global step 8"))
        #expect(out.contains("run: 1 rank(s), global batch 8, seed 5, data order seed 5, 48 training samples"))
        #expect(out.contains("  net.0.weight [16, 6]") && out.contains("  net.3.bias [3]"))
        #expect(out.contains("optimizer 0: Adam") && out.contains("exp_avg, exp_avg_sq, step"))
        #expect(out.contains("scheduler 0: StepLR"))
        #expect(out.contains("callback ModelCheckpoint:") && out.contains("callback EarlyStopping:"))
        #expect(out.contains("random streams: 1 rank(s)"))
        #expect(out.contains("model=6-16-3 dropout 0.25 (exact)"))
    }

    @Test func exportWritesTheWeightsAloneAndPythonReadsBothFiles() throws {
        let folder = try trainedFolder()
        let checkpoint = folder + "/checkpoints/last.safetensors"
        let weights = folder + "/weights.safetensors"
        let job = try swiftDDP(["export", checkpoint, "--out", weights])
        #expect(job.exitCode == 0, "\(job)")
        let report = try runPython("""
            import json, sys
            import numpy as np
            from safetensors import safe_open
            from safetensors.numpy import load_file
            with safe_open(sys.argv[1], "np") as f:
                meta = f.metadata()
                ckpt = {k: f.get_tensor(k) for k in f.keys()}
            weights = load_file(sys.argv[2])
            model = {k: v for k, v in ckpt.items() if not k.startswith("optimizer_states.")}
            print(json.dumps({
                "weights": sorted(weights),
                "same": all(np.array_equal(weights[k], model[k]) for k in weights) and sorted(weights) == sorted(model),
                "dtypes": sorted({str(v.dtype) for v in weights.values()}),
                "shape": list(weights["net.0.weight"].shape),
                "optimizer": sorted(k for k in ckpt if k.startswith("optimizer_states.0.0.")),
                "epoch": json.loads(meta["epoch"]), "step": json.loads(meta["global_step"]),
                "groups": json.loads(meta["optimizer_param_groups"])[0]["paramGroups"][0]["options"]["lr"],
            }))
            """, arguments: [checkpoint, weights])
        let result = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any])
        #expect(result["weights"] as? [String] == ["net.0.bias", "net.0.weight", "net.3.bias", "net.3.weight"])
        #expect(result["same"] as? Bool == true)
        #expect(result["dtypes"] as? [String] == ["float32"])
        #expect(result["shape"] as? [Int] == [16, 6])
        #expect(result["optimizer"] as? [String] == ["optimizer_states.0.0.exp_avg", "optimizer_states.0.0.exp_avg_sq",
                                                     "optimizer_states.0.0.step"])
        #expect(result["step"] as? Int == 18)
        #expect(result["groups"] != nil)
    }

    @Test func exportRefusesToReplaceAFileUnlessForced() throws {
        let folder = try trainedFolder()
        let out = folder + "/weights.safetensors"
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: out))
        expectOneLineError(try swiftDDP(["export", folder + "/checkpoints/last.safetensors", "--out", out]), "--force")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "keep me")
        let forced = try swiftDDP(["export", folder + "/checkpoints/last.safetensors", "--out", out, "--force"])
        #expect(forced.exitCode == 0, "\(forced)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)).count > 100)
    }

    @Test func badCheckpointsAreOneLineErrors() throws {
        let folder = try trainedFolder()
        let source = try Data(contentsOf: URL(fileURLWithPath: folder + "/checkpoints/last.safetensors"))
        try source.prefix(source.count / 2).write(to: URL(fileURLWithPath: folder + "/truncated.safetensors"))
        var corrupted = source
        for i in 8..<40 { corrupted[i] = 0x7B }
        try corrupted.write(to: URL(fileURLWithPath: folder + "/corrupted.safetensors"))
        let exported = try swiftDDP(["export", folder + "/checkpoints/last.safetensors", "--out", folder + "/weights.safetensors"])
        try #require(exported.exitCode == 0, "\(exported)")
        let cases = [("truncated.safetensors", "truncated"), ("corrupted.safetensors", "not a JSON object"),
                     ("missing.safetensors", "does not exist"), ("weights.safetensors", "not a swift-ddp checkpoint")]
        for (file, phrase) in cases {
            expectOneLineError(try swiftDDP(["inspect", folder + "/" + file]), phrase)
            expectOneLineError(try swiftDDP(["export", folder + "/" + file, "--out", folder + "/out-\(file)"]), phrase)
            #expect(!FileManager.default.fileExists(atPath: folder + "/out-\(file)"))
        }
    }
}
