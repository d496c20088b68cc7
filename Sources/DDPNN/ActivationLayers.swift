import DDPTensor

/// `max(x, 0)` as a layer.
public final class ReLU: Module, Layer {
    public override init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input.relu() }
}
