import ArgumentParser
import DDPTasks

/// `swift-ddp validate --checkpoint FILE`: one validation pass of a trained task.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a checkpoint on the task's validation data (the options as for fit).")

    @Option(help: "The checkpoint to validate.") var checkpoint: String
    @OptionGroup var options: RunConfiguration

    func run() throws {
        try options.check()
        guard !checkpoint.isEmpty else { throw CommandError("--checkpoint needs a checkpoint file") }
        var configuration = options
        configuration.settings.trainer.resume = checkpoint
        try TrainingJob(configuration: configuration, launch: .current).validate()
    }
}
