import ArgumentParser
import DDPTasks

/// `swift-ddp fit` (the default command): trains a task with the data-parallel trainer.
struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a task (the default command; with no options: a small CNN on Fashion-MNIST, then its test).")

    @OptionGroup var options: RunConfiguration
    @Flag(help: "Print the resolved configuration as YAML (which --config accepts) and exit.")
    var printConfig = false

    func run() throws {
        try options.check()
        if printConfig {
            if LaunchEnvironment.current.rank == 0 { print(try ConfigurationFile.yaml(options), terminator: "") }
            return
        }
        try options.checkOutputFolders()
        try TrainingJob(configuration: options, launch: .current).fit()
    }
}
