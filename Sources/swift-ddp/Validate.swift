import ArgumentParser
import DDPTasks

/// `swift-ddp validate --checkpoint FILE`: one validation pass of a trained task.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a checkpoint on the task's validation data (the options as for fit).")

    @Option(help: "The checkpoint to validate.") var checkpoint: String
    @OptionGroup var options: RunConfiguration

    func run() throws {
        try TrainingJob(configuration: options.evaluating(checkpoint), launch: .current).validate()
    }
}

extension RunConfiguration {
    /// These options, checked, for a command that evaluates `checkpoint` (`validate`, `test`,
    /// `predict`): the checkpoint is the one the plan starts from.
    func evaluating(_ checkpoint: String) throws -> RunConfiguration {
        try check()
        guard !checkpoint.isEmpty else { throw CommandError("--checkpoint needs a checkpoint file") }
        var configuration = self
        configuration.settings.trainer.resume = checkpoint
        return configuration
    }
}
