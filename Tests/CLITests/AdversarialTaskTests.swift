import DDPTestSupport
import Foundation
import Testing

/// `--task gan` and `--task cyclegan` with their defaults learn, on one process
/// and on two ranks (the default batch is global, so both train on the same batches), and say
/// so in the line they end with.
@Suite(.serialized) struct AdversarialTaskTests {
    /// The run's last line, `done in ... s: ...`.
    func summary(_ result: JobResult) -> String {
        result.standardOutput.split(separator: "\n").last { $0.hasPrefix("done in ") }.map(String.init) ?? ""
    }

    @Test(arguments: [nil, 2] as [Int?])
    func theGANCoversEveryModeOfTheRing(ranks: Int?) throws {
        let logs = try makeTemporaryFolder()
        let result = try CLIRun.run(["fit", "--task", "gan", "--log-dir", logs] + (ranks == nil ? ["--debug"] : []), ranks: ranks)
        #expect(result.exitCode == 0, "\(result)")
        let coverage = try CLIRun.metric("mode_coverage", in: logs)
        // Validated once per epoch of the default 20.
        #expect(coverage.count == 20 && coverage.first!.value < 8, "\(coverage)")
        #expect(coverage.last?.value == 8, "\(coverage)")   // a count: exact through the CSV
        let line = summary(result)
        #expect(line.contains("untrained -> 8/8"), "\(result)")
        #expect(line.contains("high_quality_fraction"), "\(line)")
    }

    @Test(arguments: [nil, 2] as [Int?])
    func theCycleGANsCycleErrorFallsFiveFold(ranks: Int?) throws {
        let logs = try makeTemporaryFolder()
        let result = try CLIRun.run(["fit", "--task", "cyclegan", "--log-dir", logs] + (ranks == nil ? ["--debug"] : []), ranks: ranks)
        #expect(result.exitCode == 0, "\(result)")
        // "val_cycle_loss 1.5832 untrained -> 0.2455 (6.4479x lower)"
        let line = summary(result)
        let figures = try #require(line.firstMatch(of: #/val_cycle_loss ([0-9.]+) untrained -> ([0-9.]+) \(([0-9.]+)x lower\)/#), "\(result)")
        let (before, after, ratio) = (Double(figures.1)!, Double(figures.2)!, Double(figures.3)!)
        #expect(ratio >= 5, "\(line)")
        #expect(abs(ratio - before / after) < 0.01 * ratio, "\(line)")
        let logged = try #require(try CLIRun.metric("val_cycle_loss", in: logs).last?.value)
        // The summary prints 4 decimals: up to 5e-5 from the logged value.
        #expect(abs(logged - after) < 1e-4, "metrics.csv ends at \(logged), the summary says \(after)")
        // The training series falls too.
        let cycle = try CLIRun.metric("cycle_loss", in: logs)
        #expect(cycle.count > 50 && cycle.first!.value > 4 * cycle.last!.value, "\(cycle.first!) ... \(cycle.last!)")
    }
}
