import DDPTensor

/// `y = x · weightᵀ + bias` (as `torch.nn.Linear`), with `weight` shaped `[out, in]`.
public final class Linear: Module, Layer {
    public let weight: Tensor
    public let bias: Tensor?

    /// A layer with PyTorch's default initialisation drawn from `generator`.
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, using generator: inout RandomGenerator) {
        precondition(inFeatures > 0 && outFeatures > 0, "Linear needs positive sizes, not \(inFeatures) -> \(outFeatures)")
        let bound = Initialization.defaultUniformBound(fanIn: inFeatures)
        weight = Tensor.uniform([outFeatures, inFeatures], low: -bound, high: bound, using: &generator, requiresGrad: true)
        self.bias = bias
            ? Tensor.uniform([outFeatures], low: -bound, high: bound, using: &generator, requiresGrad: true) : nil
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public override var namedLocalParameters: [(String, Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        Tensor.linear(input, weight: weight, bias: bias)
    }
}
