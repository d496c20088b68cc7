import ArgumentParser
import Foundation

/// The options of `swift-ddp generate`: which checkpoint of `--task gpt`, what to start
/// from, and how to sample.
public struct GenerationSettings: ParsableArguments, Sendable {
    @Option(help: "A checkpoint written by swift-ddp --task gpt.") public var checkpoint: String
    @Option(help: "The text to continue (characters of the model's vocabulary).") public var prompt = "\n"
    @Option(help: "Characters to generate after the prompt.") public var maxNewTokens = 500
    @Option(help: "Divides the logits before sampling: below 1 sharper, above 1 more varied.") public var temperature = 1.0
    @Option(help: "Sample among the K likeliest characters only (default: all).") public var topK: Int?
    @Option(help: "Seeds the sampling: the same seed gives the same text.") public var seed: UInt64 = 0

    public init() {}
}

/// Sampling text from a checkpoint of the gpt task.
public enum TextGeneration {
    /// The prompt and the characters sampled after it.
    /// - Throws: ``TaskError`` or ``CheckpointError`` with one line for a bad option, a
    ///   checkpoint of another task or a prompt the vocabulary cannot write.
    public static func generate(_ settings: GenerationSettings) throws -> String {
        guard settings.maxNewTokens >= 0 else { throw TaskError("--max-new-tokens must be at least 0, got \(settings.maxNewTokens)") }
        guard settings.temperature > 0 && settings.temperature.isFinite else {
            throw TaskError("--temperature must be a positive number, got \(settings.temperature)")
        }
        if let topK = settings.topK, topK < 1 { throw TaskError("--top-k must be at least 1, got \(topK)") }
        guard !settings.prompt.isEmpty else { throw TaskError("--prompt needs at least one character to continue") }
        let path = settings.checkpoint
        let saved = try Checkpoint.read(from: path)
        guard let description = try GPTCheckpointModel.read(from: saved.runConfiguration, source: path) else {
            let task = saved.runConfiguration["task"].flatMap { try? JSONDecoder().decode(String.self, from: Data($0.utf8)) }
            throw TaskError("\(path) is a checkpoint of \(task.map { "the \($0) task" } ?? "another task"), not of --task gpt: "
                + "generate samples text from a checkpoint written by swift-ddp --task gpt")
        }
        let prompt = try description.vocabulary.encode(settings.prompt, describedAs: "--prompt")
        var initialization = RandomGenerator(seed: 0)
        let model = GPT(description.configuration, using: &initialization)
        try saved.loadModelState(into: model, source: path)
        model.eval()
        var sampling = RandomGenerator(seed: settings.seed)
        let tokens = model.generate(prompt: prompt, count: settings.maxNewTokens, temperature: Float(settings.temperature),
                                    topK: settings.topK, using: &sampling)
        return description.vocabulary.decode(tokens)
    }
}
