import DDPTensor

/// Layer normalisation over the last dimension (as `torch.nn.LayerNorm(features)`), with
/// `weight` starting at 1 and `bias` at 0.
public final class LayerNorm: Module, Layer {
    public let weight: Tensor
    public let bias: Tensor
    public let eps: Float

    public init(_ features: Int, eps: Float = 1e-5) {
        precondition(features > 0, "LayerNorm needs a positive size, not \(features)")
        weight = Tensor.ones([features], requiresGrad: true)
        bias = Tensor.zeros([features], requiresGrad: true)
        self.eps = eps
    }

    public override var namedLocalParameters: [(String, Tensor)] { [("weight", weight), ("bias", bias)] }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.layerNorm(weight: weight, bias: bias, eps: eps)
    }
}
