import DDPTestSupport
import Foundation
import Testing

/// `--log-grad-norm` from the command line.
@Suite struct GradientNormOptionTests {
    @Test func logGradNormWritesTheNormOfEveryLoggedStep() throws {
        let logs = try makeTemporaryFolder()
        let result = try CLIRun.run(["--data", "digits", "--max-epochs", "1", "--log-grad-norm", "--log-every-n-steps", "5",
                                     "--log-dir", logs])
        #expect(result.exitCode == 0, "\(result)")
        let norms = try CLIRun.metric("grad_2.0_norm_total", in: logs)
        let losses = try CLIRun.metric("train_loss", in: logs)
        #expect(!norms.isEmpty && norms.map(\.step) == losses.map(\.step), "\(norms) vs train_loss at \(losses.map(\.step))")
        #expect(norms.allSatisfy { $0.value > 0 && $0.value.isFinite }, "\(norms)")
    }

    @Test func withoutTheFlagNoNormIsLogged() throws {
        let logs = try makeTemporaryFolder()
        let result = try CLIRun.run(["--data", "digits", "--max-epochs", "1", "--log-dir", logs])
        #expect(result.exitCode == 0, "\(result)")
        #expect(try CLIRun.metric("grad_2.0_norm_total", in: logs).isEmpty)
    }
}
