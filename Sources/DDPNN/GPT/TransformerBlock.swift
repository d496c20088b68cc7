import DDPTensor

/// Causal multi-head self-attention: one projection to queries, keys and values
/// (`c_attn`), attention over the past, and a projection back (`c_proj`), as nanoGPT's
/// `CausalSelfAttention`.
public final class CausalSelfAttention: Module, Layer {
    public let packedProjection: Linear
    public let outputProjection: Linear
    public let headCount: Int
    public let dropout: Float
    let residualDropout: Dropout

    init(_ configuration: GPTConfiguration, using generator: inout RandomGenerator) {
        let channels = configuration.embeddingSize
        packedProjection = gptLinear(channels, 3 * channels, std: GPT.initialStd, using: &generator)
        outputProjection = gptLinear(channels, channels, std: GPT.residualProjectionStd(configuration), using: &generator)
        headCount = configuration.headCount
        dropout = configuration.dropout
        residualDropout = Dropout(configuration.dropout)
    }

    public override var namedChildren: [(String, Module)] {
        [("c_attn", packedProjection), ("c_proj", outputProjection), ("resid_dropout", residualDropout)]
    }

    /// `[batch, time, channels]` to `[batch, time, channels]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let qkv = packedProjection(input)
        let attended: Tensor
        if isTraining && dropout > 0 {
            guard let stream = RandomStream.current else {
                preconditionFailure("attention dropout in training mode has no random stream: run the model inside Trainer.fit or RandomStream.makeCurrent")
            }
            attended = Tensor.causalSelfAttention(qkv, headCount: headCount, dropout: dropout, using: &stream.generator)
        } else {
            attended = Tensor.causalSelfAttention(qkv, headCount: headCount)
        }
        return residualDropout(outputProjection(attended))
    }
}

/// The position-wise network: widen four times, GELU (tanh form), project back (`c_fc`,
/// `c_proj`), as nanoGPT's `MLP`.
public final class TransformerMLP: Module, Layer {
    public let expand: Linear
    public let project: Linear
    let dropout: Dropout

    init(_ configuration: GPTConfiguration, using generator: inout RandomGenerator) {
        let channels = configuration.embeddingSize
        expand = gptLinear(channels, 4 * channels, std: GPT.initialStd, using: &generator)
        project = gptLinear(4 * channels, channels, std: GPT.residualProjectionStd(configuration), using: &generator)
        dropout = Dropout(configuration.dropout)
    }

    public override var namedChildren: [(String, Module)] { [("c_fc", expand), ("c_proj", project), ("dropout", dropout)] }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        dropout(project(expand(input).gelu(approximate: .tanh)))
    }
}

/// A pre-LayerNorm transformer block: `x + attn(ln_1(x))`, then `x + mlp(ln_2(x))`.
public final class TransformerBlock: Module, Layer {
    public let attentionNorm: LayerNorm
    public let attention: CausalSelfAttention
    public let mlpNorm: LayerNorm
    public let mlp: TransformerMLP

    init(_ configuration: GPTConfiguration, using generator: inout RandomGenerator) {
        attentionNorm = LayerNorm(configuration.embeddingSize)
        attention = CausalSelfAttention(configuration, using: &generator)
        mlpNorm = LayerNorm(configuration.embeddingSize)
        mlp = TransformerMLP(configuration, using: &generator)
    }

    public override var namedChildren: [(String, Module)] {
        [("ln_1", attentionNorm), ("attn", attention), ("ln_2", mlpNorm), ("mlp", mlp)]
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let afterAttention = input + attention(attentionNorm(input))
        return afterAttention + mlp(mlpNorm(afterAttention))
    }
}

/// A linear layer with nanoGPT's initialisation: weights from N(0, std²), biases 0.
func gptLinear(_ inFeatures: Int, _ outFeatures: Int, std: Float, using generator: inout RandomGenerator) -> Linear {
    let layer = Linear(inFeatures, outFeatures, using: &generator)
    layer.weight.assign(Tensor.randn(layer.weight.shape, std: std, using: &generator))
    layer.bias?.fill(0)
    return layer
}
