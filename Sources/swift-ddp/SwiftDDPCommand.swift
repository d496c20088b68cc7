import ArgumentParser
import DDPDistributed
import Foundation

/// `swift-ddp`: with no subcommand it runs `fit` with the default configuration.
@main
struct SwiftDDPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swift-ddp",
        abstract: "Data-parallel neural-network training over MPI.",
        subcommands: [Fit.self, Validate.self, TestCommand.self, Predict.self, Generate.self, Bench.self, Inspect.self, Export.self],
        defaultSubcommand: Fit.self)

    /// Parses and runs the command. A mistake in the options or data is one line,
    /// `swift-ddp: error: ...`, printed by rank 0 (every rank finds the same mistake before
    /// MPI starts); every rank exits with a non-zero status.
    static func main() {
        var configuration = ConfigurationFile.Expansion(
            arguments: BareOptionValues.completed(NegativeNumberArguments.joined(Array(CommandLine.arguments.dropFirst()))))
        do {
            // The options of a `--config` file are parsed with the command line's, before them.
            configuration = try ConfigurationFile.expandingConfigFile(in: configuration.arguments)
            var command = try parseAsRoot(configuration.arguments)
            try command.run()
        } catch {
            let launch = LaunchEnvironment.current
            guard exitCode(for: error) != .success else {
                // Help and version: once per job, from rank 0.
                if launch.rank != 0 { Foundation.exit(0) }
                exit(withError: error)
            }
            if launch.rank == 0 {
                let text = (error as? CommandError)?.description ?? oneLine(message(for: error), error)
                let located = configuration.locating(text)
                FileHandle.standardError.write(Data("swift-ddp: error: \(located.escapingControlCharacters)\n".utf8))
            } else {
                // Give rank 0 time to print before the launcher ends the job.
                usleep(1_000_000)
            }
            Foundation.exit(exitCode(for: error).rawValue == 0 ? 1 : exitCode(for: error).rawValue)
        }
    }

    /// ArgumentParser's message for `error` (or the error's own description) on one line.
    private static func oneLine(_ parserMessage: String, _ error: Error) -> String {
        let text = parserMessage.isEmpty ? String(describing: error) : parserMessage
        return text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}
