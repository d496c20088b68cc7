import ArgumentParser

/// `swift-ddp`: with no subcommand it runs `fit` with the default configuration.
@main
struct SwiftDDPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swift-ddp",
        abstract: "Data-parallel neural-network training over MPI.",
        subcommands: [Fit.self, Bench.self, Inspect.self, Export.self],
        defaultSubcommand: Fit.self)
}
