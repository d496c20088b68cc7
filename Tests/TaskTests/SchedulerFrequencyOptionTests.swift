import DDPTasks
import Testing

/// `--scheduler-frequency`: the scheduler's Lightning `frequency`, with its interval; refused
/// without a scheduler and below 1.
@Suite struct SchedulerFrequencyOptionTests {
    private func configuration(_ arguments: [String]) throws -> SchedulerConfiguration? {
        let settings = try SchedulerSettings.parse(arguments)
        let sgd = try SGD([Tensor.zeros([2], requiresGrad: true)], lr: 0.1)
        return try settings.makeScheduler(for: sgd, run: .init(epochs: 4, optimizerSteps: 40))
    }

    private func refusal(_ arguments: [String]) -> String {
        do {
            _ = try configuration(arguments)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func frequencyGoesToTheSchedulerWithItsInterval() throws {
        let step = try #require(try configuration(["--scheduler", "step", "--step-size", "2", "--scheduler-interval", "step",
                                                   "--scheduler-frequency", "3"]))
        #expect(step.frequency == 3 && step.interval == .step)
        let plateau = try #require(try configuration(["--scheduler", "plateau", "--scheduler-frequency", "2"]))
        #expect(plateau.frequency == 2 && plateau.interval == .epoch && plateau.monitor == "val_loss")
        #expect(try #require(try configuration(["--scheduler", "exponential", "--gamma", "0.9"])).frequency == 1)
    }

    @Test func frequencyIsRefusedWithoutASchedulerAndBelowOne() {
        #expect(refusal(["--scheduler-frequency", "2"]).contains("--scheduler-frequency does not apply without a scheduler"))
        #expect(refusal(["--scheduler", "none", "--scheduler-frequency", "2"]).contains("does not apply without a scheduler"))
        #expect(refusal(["--scheduler", "step", "--step-size", "2", "--scheduler-frequency", "0"])
                .contains("--scheduler-frequency must be at least 1, got 0"))
    }
}
