import DDPTestSupport
import Foundation
import Testing

/// `swift-ddp bench --json`: the shape and names of its JSON object, in one process and under
/// `mpirun -np 2`, at a few steps (the figures themselves are the benchmark's, never timed
/// here), and `--compare-pytorch` without a Python that has torch as one line.
@Suite(.serialized) struct BenchCommandTests {
    /// The JSON object the run printed, after checking that it ran.
    func benchJSON(_ arguments: [String], ranks: Int?, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let result = try CLIRun.run(["bench"] + arguments + ["--json"], ranks: ranks)
        try #require(result.exitCode == 0 && !result.timedOut, "\(result)", sourceLocation: sourceLocation)
        let lines = result.standardOutput.split(separator: "\n")
        try #require(lines.count == 1, "one JSON line on rank 0 only: \(result)", sourceLocation: sourceLocation)
        let object = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        return try #require(object, "\(result)", sourceLocation: sourceLocation)
    }

    /// Checks the machine description and each result's keys; returns the results' names.
    func checkedNames(_ object: [String: Any], ranks: Int, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        let machine = try #require(object["machine"] as? [String: Any], sourceLocation: sourceLocation)
        for key in ["cores", "blas", "blas_threads", "mpi", "swift", "hostname", "date"] {
            #expect(machine[key] != nil, "machine lacks \(key): \(machine)", sourceLocation: sourceLocation)
        }
        #expect(machine["ranks"] as? Int == ranks, sourceLocation: sourceLocation)
        #expect((machine["mpi"] as? String)?.isEmpty == false && (machine["blas"] as? String)?.contains("OpenBLAS") == true,
                "\(machine)", sourceLocation: sourceLocation)
        let results = try #require(object["results"] as? [[String: Any]], sourceLocation: sourceLocation)
        for result in results {
            let name = result["name"] as? String ?? "?"
            let ratio = try #require(result["ratio"] as? Double, "\(name): \(result)", sourceLocation: sourceLocation)
            #expect(ratio > 0 && (result["rounds"] as? Int ?? 0) >= 1, "\(name): \(result)", sourceLocation: sourceLocation)
            #expect((result["reference"] as? String)?.isEmpty == false, "\(name): \(result)", sourceLocation: sourceLocation)
            if name.hasPrefix("peak-rss-") || name.hasSuffix("-rss-adam-10m") {
                #expect((result["value"] as? Int ?? 0) > 0 && (result["reference_value"] as? Int ?? 0) > 0,
                        "\(name): \(result)", sourceLocation: sourceLocation)
            } else {
                #expect((result["median_ms"] as? Double ?? 0) > 0 && (result["reference_ms"] as? Double ?? 0) > 0,
                        "\(name): \(result)", sourceLocation: sourceLocation)
                // The spread of paired ratios brackets their median.
                let low = try #require(result["ratio_min"] as? Double, "\(name): \(result)", sourceLocation: sourceLocation)
                let high = try #require(result["ratio_max"] as? Double, "\(name): \(result)", sourceLocation: sourceLocation)
                #expect(low <= ratio && ratio <= high, "\(name): \(result)", sourceLocation: sourceLocation)
            }
        }
        return results.compactMap { $0["name"] as? String }
    }

    @Test func oneProcessPrintsItsFiguresAsOneJSONObject() throws {
        let object = try benchJSON(["core", "gan", "optimizer", "trainer", "--steps", "2", "--rounds", "2"], ranks: nil)
        #expect(try checkedNames(object, ranks: 1) == ["mlp-l", "mlp-s", "gan-mlp", "adam-10m", "trainer-overhead"])
        let results = object["results"] as? [[String: Any]] ?? []
        #expect(results.allSatisfy { ($0["samples_per_s"] as? Double ?? 1) > 0 }, "\(results)")
    }

    @Test func twoRanksPrintTheScalingMemoryAndSyncFigures() throws {
        let object = try benchJSON(["--workload", "mlp-s", "--steps", "2", "--rounds", "2"], ranks: 2)
        #expect(try checkedNames(object, ranks: 2) == ["scale-mlp-s", "peak-rss-mlp-s", "sync-mlp-l", "sync-10m", "sync-bf16-10m",
                                                       "zero1-rss-adam-10m", "zero1-step-adam-10m", "overlap-mlp-l"])
    }

    @Test func comparingWithPyTorchWithoutTorchIsOneLine() throws {
        for python in ["/nonexistent/python3", "/bin/false"] {
            let result = try MPIJob.run(CLIRun.binary, ["bench", "core", "--compare-pytorch", "--json"], ranks: nil,
                                        environment: ["SWIFT_DDP_PYTHON": python])
            #expect(!result.timedOut && result.exitCode != 0, "\(result)")
            let lines = CLIRun.errorLines(result)
            #expect(lines.count == 1 && lines.first?.hasPrefix("swift-ddp: error: --compare-pytorch") == true, "\(result)")
            #expect(lines.first?.contains("SWIFT_DDP_PYTHON") == true, "\(result)")
            #expect(result.standardOutput.isEmpty, "\(result)")
        }
    }

    @Test func aOneProcessSuiteUnderMPIIsRefused() throws {
        let result = try CLIRun.run(["bench", "core", "--json"], ranks: 2)
        #expect(!result.timedOut && result.exitCode != 0, "\(result)")
        #expect(CLIRun.errorLines(result) == ["swift-ddp: error: bench core runs in one process; start it without mpirun"],
                "\(result)")
    }
}
