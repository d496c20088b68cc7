import DDPTestSupport
import Foundation
import Testing

/// `gradient-compression` on the command line and as a configuration key.
@Suite(.serialized) struct GradientCompressionOptionTests {
    @Test func aConfigurationFileChoosesTheCompression() throws {
        let bad = BadInputTests()
        let good = try bad.file("run.yaml", "data: digits\ngradient-compression: bf16\n")
        let printed = try CLIRun.run(["--config", good, "--print-config"])
        #expect(printed.exitCode == 0 && printed.standardOutput.contains("gradient-compression: bf16"), "\(printed)")
        let wrong = try bad.file("run.yaml", "data: digits\ngradient-compression: fp8\n")
        try bad.expectOneLineError(["--config", wrong],
                                   containing: [wrong + ":2:23: 'gradient-compression' takes none or bf16, got 'fp8'"])
    }
}
