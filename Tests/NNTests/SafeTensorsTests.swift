import DDPNN
import DDPTensor
import DDPTestSupport
import Foundation
import Testing

@Suite struct SafeTensorsTests {
    let model: Sequential = {
        var g = RandomGenerator(seed: 0)
        return Sequential(Linear(4, 8, using: &g), ReLU(), Linear(8, 3, using: &g))
    }()

    @Test func roundTripKeepsNamesOrderValuesAndMetadata() throws {
        let file = SafeTensorsFile(tensors: model.stateDict(), metadata: ["format": "pt", "step": "12"])
        let decoded = try SafeTensorsFile.decode(file.encoded(), source: "memory")
        #expect(decoded.tensors.map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        for (a, b) in zip(file.tensors, decoded.tensors) {
            #expect(a.tensor.shape == b.tensor.shape && a.tensor.scalars == b.tensor.scalars)
        }
        #expect(decoded.metadata == ["format": "pt", "step": "12"])
    }

    @Test func pythonSafetensorsReadsOurFile() throws {
        let folder = try makeTemporaryFolder()
        let path = folder + "/model.safetensors"
        try SafeTensorsFile(tensors: model.stateDict(), metadata: ["epoch": "3"]).write(to: path)
        let output = try runPython("""
            import json, sys
            from safetensors import safe_open
            from safetensors.numpy import load_file
            tensors = load_file(sys.argv[1])
            with safe_open(sys.argv[1], framework="np") as f:
                metadata = f.metadata()
            print(json.dumps({"metadata": metadata, "tensors": {k: {"dtype": str(v.dtype), "shape": list(v.shape),
                  "values": [float(x) for x in v.ravel()]} for k, v in tensors.items()}}))
            """, arguments: [path])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(json["metadata"] as? [String: String] == ["epoch": "3"])
        let tensors = try #require(json["tensors"] as? [String: [String: Any]])
        #expect(Set(tensors.keys) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        for (name, tensor) in model.stateDict() {
            let entry = try #require(tensors[name])
            #expect(entry["dtype"] as? String == "float32")
            #expect(entry["shape"] as? [Int] == tensor.shape)
            #expect((entry["values"] as? [Double])?.map { Float($0) } == tensor.scalars)
        }
    }

    @Test func weReadPythonsFileWithOtherDtypes() throws {
        let folder = try makeTemporaryFolder()
        let path = folder + "/from-python.safetensors"
        _ = try runPython("""
            import sys, numpy as np
            from safetensors.numpy import save_file
            save_file({"weight": np.arange(6, dtype=np.float32).reshape(2, 3) / 4,
                       "num_batches_tracked": np.array(7, dtype=np.int64),
                       "half": np.array([1.5, -2.25], dtype=np.float16),
                       "double": np.array([0.125], dtype=np.float64)}, sys.argv[1], metadata={"format": "pt"})
            """, arguments: [path])
        let file = try SafeTensorsFile.read(from: path)
        let tensors = file.dictionary
        #expect(tensors["weight"]?.shape == [2, 3])
        #expect(tensors["weight"]?.scalars == [0, 0.25, 0.5, 0.75, 1, 1.25])
        #expect(tensors["num_batches_tracked"]?.shape == [] && tensors["num_batches_tracked"]?.item == 7)
        #expect(tensors["half"]?.scalars == [1.5, -2.25])
        #expect(tensors["double"]?.scalars == [0.125])
        #expect(file.metadata["format"] == "pt")
    }

    @Test func truncatedOrCorruptedFilesAreClearErrors() throws {
        let bytes = SafeTensorsFile(tensors: model.stateDict()).encoded()
        let cases: [(String, Data)] = [
            ("truncated data", bytes.prefix(bytes.count - 5)),
            ("truncated header", bytes.prefix(20)),
            ("too short", bytes.prefix(3)),
            ("garbage", Data(repeating: 0xFF, count: 64)),
            ("trailing bytes", bytes + Data([1, 2, 3, 4])),
        ]
        for (label, data) in cases {
            do {
                _ = try SafeTensorsFile.decode(data, source: "ckpt.safetensors")
                Issue.record("\(label) was accepted")
            } catch let error as SafeTensorsError {
                #expect(error.description.hasPrefix("ckpt.safetensors "), "\(label): \(error)")
            }
        }
        #expect(throws: SafeTensorsError.self) { try SafeTensorsFile.read(from: "/nonexistent/model.safetensors") }
    }

    @Test func atomicWriteReplacesWholeFilesAndLeavesNoTemporaries() throws {
        let folder = try makeTemporaryFolder()
        let path = folder + "/weights.safetensors"
        try SafeTensorsFile(tensors: [("a", Tensor([1, 2]))]).write(to: path)
        try SafeTensorsFile(tensors: [("b", Tensor([3]))]).write(to: path)
        #expect(try SafeTensorsFile.read(from: path).tensors.map(\.name) == ["b"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["weights.safetensors"])
        #expect(throws: AtomicFileError.self) {
            try SafeTensorsFile(tensors: [("a", Tensor([1]))]).write(to: folder + "/missing-folder/w.safetensors")
        }
    }
}
