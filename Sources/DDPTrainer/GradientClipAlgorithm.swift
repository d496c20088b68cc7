/// How gradients are clipped before an optimizer step (Lightning's `gradient_clip_algorithm`).
public enum GradientClipAlgorithm: String, Sendable, CaseIterable {
    /// Scale all gradients of the optimizer together so their joint 2-norm is at most the value.
    case norm
    /// Clamp every gradient element to `[-value, value]`.
    case value
}
