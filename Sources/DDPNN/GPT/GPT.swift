#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

import DDPTensor

/// A decoder-only transformer language model, as nanoGPT's `GPT`: token and position
/// embeddings, pre-LayerNorm ``TransformerBlock``s, a final LayerNorm, and an output layer
/// that shares the token embedding's weights.
///
/// Parameters carry nanoGPT's `state_dict` names (`transformer.wte.weight`,
/// `transformer.h.0.attn.c_attn.weight`, ..., `lm_head.weight`, the last being the token
/// embedding itself), so weights move between the two by name. Initial weights follow
/// nanoGPT: N(0, 0.02²) for embeddings and linear weights, N(0, (0.02/√(2·layers))²) for the
/// projections into the residual stream, zero biases, LayerNorms at 1 and 0.
public final class GPT: Module {
    public let configuration: GPTConfiguration
    /// `transformer`: the embeddings, the blocks and the final LayerNorm.
    public let transformer: GPTTransformer
    /// `lm_head`: the output layer, tied to `transformer.wte`.
    public let head: TiedOutput

    /// The standard deviation of the initial weights.
    static let initialStd: Float = 0.02

    /// The smaller deviation of the projections that add into the residual stream.
    static func residualProjectionStd(_ configuration: GPTConfiguration) -> Float {
        initialStd / Float(2 * configuration.layerCount).squareRoot()
    }

    public init(_ configuration: GPTConfiguration, using generator: inout RandomGenerator) {
        precondition(configuration.problem == nil, "GPT: \(configuration.problem ?? "")")
        self.configuration = configuration
        transformer = GPTTransformer(configuration, using: &generator)
        head = TiedOutput(weight: transformer.tokenEmbedding.weight)
    }

    public override var namedChildren: [(String, Module)] { [("transformer", transformer), ("lm_head", head)] }

    /// nanoGPT's two parameter groups: weight decay on every matrix (embeddings and linear
    /// weights), none on biases and LayerNorm weights.
    public var weightDecayGroups: (decayed: [Tensor], undecayed: [Tensor]) {
        let all = parameters()
        return (all.filter { $0.rank >= 2 }, all.filter { $0.rank < 2 })
    }

    /// The next-token logits `[batch, time, vocabularySize]` of `tokens`, `batch` rows of
    /// `time` token indices each (`time` at most the block size).
    public func logits(_ tokens: [Int], batch: Int, time: Int) -> Tensor {
        precondition(tokens.count == batch * time, "\(tokens.count) tokens do not fill \(batch) rows of \(time)")
        precondition(time >= 1 && time <= configuration.blockSize,
                     "a context of \(time) tokens does not fit the block size \(configuration.blockSize)")
        let hidden = transformer(tokens, batch: batch, time: time)
        return Tensor.linear(hidden, weight: head.weight, bias: nil)
    }

    /// The mean cross-entropy of predicting `targets[i]` after the context ending at
    /// `tokens[i]`, over `batch` rows of `time` tokens.
    public func loss(_ tokens: [Int], targets: [Int], batch: Int, time: Int) -> Tensor {
        let scores = logits(tokens, batch: batch, time: time)
        return crossEntropy(scores.reshaped([batch * time, configuration.vocabularySize]), targets: targets)
    }

    /// `prompt` followed by `count` tokens sampled one at a time from the model's
    /// distribution (the context cut to the last block), each from the logits divided by
    /// `temperature` and, with `topK`, restricted to the `topK` likeliest tokens.
    public func generate(
        prompt: [Int], count: Int, temperature: Float = 1, topK: Int? = nil, using generator: inout RandomGenerator
    ) -> [Int] {
        precondition(!prompt.isEmpty, "generation needs at least one prompt token")
        precondition(temperature > 0, "the temperature must be positive, got \(temperature)")
        var tokens = prompt
        noGrad {
            for _ in 0..<count {
                let context = Array(tokens.suffix(configuration.blockSize))
                let scores = logits(context, batch: 1, time: context.count)
                let vocabulary = configuration.vocabularySize
                let last = Array(UnsafeBufferPointer(start: scores.data + (context.count - 1) * vocabulary, count: vocabulary))
                tokens.append(sampleToken(last, temperature: temperature, topK: topK, using: &generator))
            }
        }
        return tokens
    }
}

/// `transformer` of a ``GPT``: `wte`, `wpe`, the blocks `h.0`, `h.1`, ... and `ln_f`.
public final class GPTTransformer: Module {
    public let tokenEmbedding: Embedding
    public let positionEmbedding: Embedding
    let dropout: Dropout
    public let blocks: [TransformerBlock]
    public let finalNorm: LayerNorm

    init(_ configuration: GPTConfiguration, using generator: inout RandomGenerator) {
        tokenEmbedding = Embedding(configuration.vocabularySize, configuration.embeddingSize, using: &generator)
        positionEmbedding = Embedding(configuration.blockSize, configuration.embeddingSize, using: &generator)
        for table in [tokenEmbedding, positionEmbedding] {
            table.weight.assign(Tensor.randn(table.weight.shape, std: GPT.initialStd, using: &generator))
        }
        dropout = Dropout(configuration.dropout)
        blocks = (0..<configuration.layerCount).map { _ in TransformerBlock(configuration, using: &generator) }
        finalNorm = LayerNorm(configuration.embeddingSize)
    }

    public override var namedChildren: [(String, Module)] {
        // The dropout is a child, as in nanoGPT, so that eval() reaches it; it has no state.
        [("wte", tokenEmbedding), ("wpe", positionEmbedding), ("drop", dropout), ("h", BlockList(blocks)), ("ln_f", finalNorm)]
    }

    /// The final hidden states `[batch, time, channels]`.
    func callAsFunction(_ tokens: [Int], batch: Int, time: Int) -> Tensor {
        let embedded = tokenEmbedding(tokens, shape: [batch, time]) + positionEmbedding(Array(0..<time), shape: [time])
        let hidden = blocks.reduce(dropout(embedded)) { $1($0) }
        return finalNorm(hidden)
    }
}

/// The blocks of a transformer as one module whose children are named `0`, `1`, ... (as
/// `torch.nn.ModuleList`).
final class BlockList: Module {
    let blocks: [TransformerBlock]
    init(_ blocks: [TransformerBlock]) { self.blocks = blocks }
    override var namedChildren: [(String, Module)] { blocks.enumerated().map { (String($0.offset), $0.element) } }
}

/// An output layer without bias whose weight is another layer's (weight tying): listed in
/// the state dict under its own name, trained once as the same tensor.
public final class TiedOutput: Module {
    public let weight: Tensor
    public init(weight: Tensor) { self.weight = weight }
    public override var namedLocalParameters: [(String, Tensor)] { [("weight", weight)] }
}

/// A token index drawn from `softmax(logits / temperature)`, restricted to the `topK`
/// largest logits when given.
func sampleToken(_ logits: [Float], temperature: Float, topK: Int?, using generator: inout RandomGenerator) -> Int {
    var scaled = logits.map { Double($0 / temperature) }
    if let topK, topK > 0, topK < scaled.count {
        let threshold = scaled.sorted(by: >)[topK - 1]
        scaled = scaled.map { $0 < threshold ? -Double.infinity : $0 }
    }
    let maximum = scaled.max() ?? 0
    let weights = scaled.map { $0 == -Double.infinity ? 0 : exp($0 - maximum) }
    var remaining = generator.nextUniformDouble() * weights.reduce(0, +)
    for (index, weight) in weights.enumerated() where weight > 0 {
        remaining -= weight
        if remaining < 0 { return index }
    }
    return weights.lastIndex(where: { $0 > 0 }) ?? 0
}
