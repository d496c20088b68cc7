extension Tensor {
    /// Inverted dropout (as `torch.nn.functional.dropout`): in training, each element is zeroed
    /// with probability `p` and the survivors are scaled by `1 / (1 - p)`, so the expected value
    /// is unchanged; outside training it returns `self`.
    ///
    /// The mask is drawn from `generator`, one uniform value per element in row-major order,
    /// so the same generator state gives the same mask.
    ///
    /// - Parameter p: the probability of zeroing an element, in `[0, 1]`.
    public func dropout(p: Float, training: Bool, using generator: inout RandomGenerator) -> Tensor {
        precondition((0...1).contains(p), "dropout probability must be in [0, 1], got \(p)")
        guard training, p > 0 else { return self }
        let keep = 1 - p
        // The mask holds each element's factor: 0 when dropped, 1 / (1 - p) when kept.
        let mask = Tensor(uninitializedShape: shape)
        let factor = p < 1 ? 1 / keep : 0
        let m = mask.data
        for i in 0..<count { m[i] = generator.nextUniform() < keep ? factor : 0 }
        let result = Tensor(uninitializedShape: shape)
        let x = data, out = result.data
        for i in 0..<count { out[i] = x[i] * m[i] }
        let elementCount = count
        return Tensor.record(result, name: "dropout", inputs: [self]) { ctx in
            let g = ctx.gradOutput.data, m = mask.data
            ctx.withGradient(of: 0) { dst, accumulate in
                if accumulate {
                    for i in 0..<elementCount { dst[i] += g[i] * m[i] }
                } else {
                    for i in 0..<elementCount { dst[i] = g[i] * m[i] }
                }
            }
        }
    }
}
