import DDPTensor

/// `max(x, 0)` as a layer.
public final class ReLU: Module, Layer {
    public override init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input.relu() }
}

/// `x` for positive inputs, `negativeSlope · x` otherwise.
public final class LeakyReLU: Module, Layer {
    public let negativeSlope: Float
    public init(negativeSlope: Float = 0.01) { self.negativeSlope = negativeSlope }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.leakyRelu(negativeSlope: negativeSlope) }
}

/// `1 / (1 + e^-x)` as a layer.
public final class Sigmoid: Module, Layer {
    public override init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input.sigmoid() }
}

/// The hyperbolic tangent as a layer.
public final class Tanh: Module, Layer {
    public override init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input.tanh() }
}

/// The Gaussian error linear unit (exact by default, as PyTorch).
public final class GELU: Module, Layer {
    public let approximation: GELUApproximation
    public init(approximate approximation: GELUApproximation = .exact) { self.approximation = approximation }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.gelu(approximate: approximation) }
}

/// `log(1 + e^(βx)) / β`, linear where `βx > threshold`.
public final class Softplus: Module, Layer {
    public let beta: Float
    public let threshold: Float
    public init(beta: Float = 1, threshold: Float = 20) {
        self.beta = beta
        self.threshold = threshold
    }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.softplus(beta: beta, threshold: threshold) }
}
