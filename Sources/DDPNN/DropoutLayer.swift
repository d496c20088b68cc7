import DDPTensor

/// Inverted dropout (as `torch.nn.Dropout`): in training mode each element is zeroed with
/// probability `p` and the others scaled by `1 / (1 - p)`; in evaluation mode the identity.
public final class Dropout: Module, Layer {
    /// The probability of zeroing an element.
    public let p: Float
    /// The stream masks are drawn from; `nil` draws from ``DefaultRandom/generator``.
    /// Give each rank its own stream (seeded from seed and rank) so ranks drop different units.
    public var generator: RandomGenerator?

    public init(_ p: Float = 0.5, generator: RandomGenerator? = nil) {
        precondition((0...1).contains(p), "dropout probability must be in [0, 1], got \(p)")
        self.p = p
        self.generator = generator
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard var own = generator else {
            return input.dropout(p: p, training: isTraining, using: &DefaultRandom.generator)
        }
        defer { generator = own }
        return input.dropout(p: p, training: isTraining, using: &own)
    }
}
