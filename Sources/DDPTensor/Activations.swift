// Pointwise non-linearities.

extension Tensor {
    /// `max(x, 0)`.
    public func relu() -> Tensor {
        let input = self
        let result = mapValues { $0 > 0 ? $0 : 0 }
        return Tensor.record(result, name: "relu", inputs: [self]) { ctx in
            let g = ctx.gradOutput.data, x = input.data
            ctx.withGradient(of: 0) { dst, accumulate in
                if accumulate {
                    for i in 0..<input.count where x[i] > 0 { dst[i] += g[i] }
                } else {
                    for i in 0..<input.count { dst[i] = x[i] > 0 ? g[i] : 0 }
                }
            }
        }
    }
}
