import DDPTensor

/// Inverted dropout (as `torch.nn.Dropout`): in training mode each element is zeroed with
/// probability `p` and the others scaled by `1 / (1 - p)`; in evaluation mode the identity.
public final class Dropout: Module, Layer {
    /// The probability of zeroing an element.
    public let p: Float
    /// The layer's own stream, if it has one; `nil` draws from ``RandomStream/current``,
    /// the rank's stream that a trainer binds while it runs the model.
    public var generator: RandomGenerator?

    public init(_ p: Float = 0.5, generator: RandomGenerator? = nil) {
        precondition((0...1).contains(p), "dropout probability must be in [0, 1], got \(p)")
        self.p = p
        self.generator = generator
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard isTraining, p > 0 else { return input }
        if var own = generator {
            defer { generator = own }
            return input.dropout(p: p, training: true, using: &own)
        }
        guard let stream = RandomStream.current else {
            preconditionFailure("Dropout in training mode has no random stream: run the model inside Trainer.fit, "
                + "inside RandomStream.makeCurrent, or give the layer its own generator")
        }
        return input.dropout(p: p, training: true, using: &stream.generator)
    }
}
