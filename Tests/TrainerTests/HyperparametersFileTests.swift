import DDPTestSupport
import Foundation
import SwiftDDP
import Testing

@Suite struct HyperparametersFileTests {
    private struct Optimizer: Codable, Equatable {
        var name: String
        var learningRate: Double
        var betas: [Double]
        var weightDecay: Double
        var epsilon: Float
    }

    private struct Configuration: Codable, Equatable {
        var maxEpochs: Int
        var batchSize: Int
        var seed: UInt64
        var deterministic: Bool
        var logDirectory: String
        var layers: [Int]
        var optimizer: Optimizer
        var checkpoint: String?
        var note: String
        var limits: [Double]
    }

    private let configuration = Configuration(
        maxEpochs: 20, batchSize: 64, seed: 42, deterministic: true, logDirectory: "runs/a: b #1",
        layers: [64, 32, 10], optimizer: Optimizer(name: "adam", learningRate: 0.001, betas: [0.9, 0.999], weightDecay: 1e-5, epsilon: 1e-8),
        checkpoint: nil, note: "1e-3", limits: [1e300, -2.5e-7, 3])

    @Test func theConfigurationReadsBackAsYAML() throws {
        let folder = try makeTemporaryFolder() + "/version_3"
        let path = try HyperparametersFile.write(configuration, to: folder)
        #expect(path == folder + "/hparams.yaml")
        let read = try runPython("""
            import json, sys, yaml
            print(json.dumps(yaml.safe_load(open(sys.argv[1])), sort_keys=True))
            """, arguments: [path])
        let decoded = try JSONDecoder().decode(Configuration.self, from: Data(read.utf8))
        #expect(decoded == configuration)
        #expect(read.contains("\"learningRate\": 0.001"))
        #expect(read.contains("\"note\": \"1e-3\""), "a string that looks like a number stays a string")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("weightDecay: 1.0e-05\n"))
        #expect(text.contains("- 1.0e+300\n"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["hparams.yaml"])
    }

    @Test func writingAgainReplacesTheFile() throws {
        let folder = try makeTemporaryFolder()
        try HyperparametersFile.write(configuration, to: folder)
        var changed = configuration
        changed.layers = [8]
        try HyperparametersFile.write(changed, to: folder)
        let text = try String(contentsOfFile: folder + "/hparams.yaml", encoding: .utf8)
        #expect(text.contains("- 8\n"))
        #expect(!text.contains("- 64\n"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["hparams.yaml"])
    }

    @Test func anUnwritableFolderIsReportedWithThePath() throws {
        let file = try makeTemporaryFolder() + "/not-a-folder"
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        #expect {
            try HyperparametersFile.write(configuration, to: file)
        } throws: { error in
            (error as? LoggingError)?.path == file
        }
    }
}
