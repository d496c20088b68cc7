import ArgumentParser

/// The options of `--task gpt` (`nil`: not given; the task's default applies). Another
/// task rejects them.
public struct GPTSettings: ParsableArguments, Sendable {
    @Option(help: "gpt: transformer blocks (default \(GPTSettings.defaultLayerCount)).") public var nLayer: Int?
    @Option(help: "gpt: attention heads per block; they split --n-embd (default \(GPTSettings.defaultHeadCount)).")
    public var nHead: Int?
    @Option(help: "gpt: width of the residual stream, a multiple of --n-head (default \(GPTSettings.defaultEmbeddingSize)).")
    public var nEmbd: Int?
    @Option(help: "gpt: context length in characters (default \(GPTSettings.defaultBlockSize)).") public var blockSize: Int?
    @Option(help: "gpt: dropout probability of embeddings, attention weights and residual branches (default 0).")
    public var dropout: Double?
    @Option(help: "gpt: optimizer steps of linear learning-rate warm-up before the cosine decay (default: a tenth of the run, at most 100).")
    public var warmupSteps: Int?

    public init() {}

    public static let defaultLayerCount = 4
    public static let defaultHeadCount = 4
    public static let defaultEmbeddingSize = 128
    public static let defaultBlockSize = 128
    /// Windows per rank per batch when `--batch-size` is not given.
    public static let defaultBatchSize = 16
    /// Batches per epoch when `--limit-train-batches` is not given: an epoch of every window
    /// of the text would be millions of batches.
    public static let defaultBatchesPerEpoch = 25
    /// The most validation windows (spread evenly over the held-out text).
    public static let validationWindowLimit = 256

    /// Throws for the first GPT option given to another task than `gpt`.
    public func rejectOptions(notFor task: String) throws {
        if task != "gpt", let option = givenOptionKeys.first {
            throw TaskError("--\(option) applies to the gpt task only, not to \(task)")
        }
    }
}
