/// The sizes of a ``GPT``: nanoGPT's `GPTConfig`.
public struct GPTConfiguration: Equatable, Sendable, Codable {
    /// Tokens the model knows (the rows of the token embedding and of the output).
    public var vocabularySize: Int
    /// The longest context: the rows of the position embedding.
    public var blockSize: Int
    /// Transformer blocks.
    public var layerCount: Int
    /// Attention heads per block; they split `embeddingSize` evenly.
    public var headCount: Int
    /// Channels of the residual stream.
    public var embeddingSize: Int
    /// The probability of zeroing an activation in training (embeddings, attention
    /// weights, each residual branch).
    public var dropout: Float

    public init(vocabularySize: Int, blockSize: Int, layerCount: Int, headCount: Int, embeddingSize: Int, dropout: Float = 0) {
        self.vocabularySize = vocabularySize
        self.blockSize = blockSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.embeddingSize = embeddingSize
        self.dropout = dropout
    }

    enum CodingKeys: String, CodingKey {
        case vocabularySize = "vocab_size", blockSize = "block_size", layerCount = "n_layer", headCount = "n_head"
        case embeddingSize = "n_embd", dropout
    }

    /// What is wrong with these sizes, or `nil` when a model can be built from them.
    public var problem: String? {
        if vocabularySize < 1 { return "the vocabulary is empty" }
        for (name, value) in [("--block-size", blockSize), ("--n-layer", layerCount), ("--n-head", headCount), ("--n-embd", embeddingSize)]
        where value < 1 {
            return "\(name) must be at least 1, got \(value)"
        }
        if embeddingSize % headCount != 0 {
            return "--n-embd \(embeddingSize) is not divisible by --n-head \(headCount): choose a width that is a multiple of the head count"
        }
        if !(0..<1).contains(dropout) { return "--dropout must be in [0, 1), got \(dropout)" }
        return nil
    }
}
