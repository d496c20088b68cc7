/// Reshapes each sample of `[batch, features]` to `sampleShape` (as `torch.nn.Unflatten(1, ...)`),
/// so that a convolutional network can read flat image rows.
public final class Unflatten: Module, Layer {
    public let sampleShape: [Int]

    public init(_ sampleShape: [Int]) { self.sampleShape = sampleShape }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.reshaped([input.shape[0]] + sampleShape)
    }
}
