import DDPTestSupport
import Foundation
import Testing

/// Mutated `--config` files must be accepted or refused with one line, never crash the
/// command. The YAML reader lives in the executable, so each input is one run of the built
/// binary with `--print-config` (no training); `SWIFT_DDP_FUZZ_COUNT` raises the count.
@Suite struct ConfigurationFuzzTests {
    static let valid = """
        task: classifier
        max-epochs: 3
        batch-size: 16
        lr: 0.05
        momentum: 0.9
        betas: [0.9, 0.999]
        hidden: [64, 32]
        val-split: 0.2
        limit-train-batches: 0.5
        gradient-clip-val: 1.5
        seed: 7
        shuffle: false
        scheduler: step
        step-size: 2

        """

    @Test func mutatedConfigurationFilesAreReadOrRefused() throws {
        let count = fuzzInputCount(default: 100)
        let path = try makeTemporaryFolder() + "/run.yaml"
        var mutator = ByteMutator(seed: 11)
        var outcome = (read: 0, refused: 0)
        for index in 0..<count {
            try Data(mutator.mutated(Array(Self.valid.utf8))).write(to: URL(fileURLWithPath: path))
            let result = try CLIRun.run(["--config", path, "--print-config"], timeout: 30)
            let lines = CLIRun.errorLines(result)
            let crashed = result.standardError.contains("Fatal error") || result.standardError.contains("crashed")
            #expect(!crashed && !result.timedOut, "input \(index): \(result)")
            if result.exitCode == 0 {
                outcome.read += 1
            } else {
                #expect(result.exitCode == 1 || result.exitCode == 64, "input \(index): \(result)")
                #expect(lines.count == 1 && lines[0].hasPrefix("swift-ddp: error: "), "input \(index): \(result)")
                outcome.refused += 1
            }
        }
        print("fuzz run.yaml: \(count) inputs, \(outcome.read) read, \(outcome.refused) refused, 0 crashes")
        #expect(outcome.read > 0 && outcome.refused > 0)
    }
}
