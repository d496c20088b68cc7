import ArgumentParser
import DDPTasks

/// `swift-ddp generate --checkpoint FILE --prompt "..."`: text sampled from a trained GPT.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print text sampled from a checkpoint of --task gpt, continuing a prompt.")

    @OptionGroup var settings: GenerationSettings

    func run() throws {
        print(try TextGeneration.generate(settings))
    }
}
