import ArgumentParser
import DDPTasks

/// `swift-ddp test --checkpoint FILE`: Lightning's `trainer.test`, one pass of a trained task
/// over its data's separate test set.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Test a checkpoint on the data's test set (Fashion-MNIST's 10,000 test images; the options as for fit).")

    @Option(help: "The checkpoint to test.") var checkpoint: String
    @OptionGroup var options: RunConfiguration

    func run() throws {
        try TrainingJob(configuration: options.evaluating(checkpoint), launch: .current).test()
    }
}
