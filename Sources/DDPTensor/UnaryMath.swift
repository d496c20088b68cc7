#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Elementwise functions of one tensor. The C functions (`expf`, `logf`, ...) are called by
// their C names because Tensor's own `exp()`, `log()`, ... would shadow the Swift overloads.

extension Tensor {
    /// Records a one-input elementwise operation whose derivative at each element is
    /// `derivative(x, y)`, from the input `x` and the output `y`.
    ///
    /// The backward keeps the output's *storage*, not the output tensor: the output owns
    /// this closure, and a closure holding the output would keep both alive forever.
    func recordElementwise(
        _ result: Tensor, name: String, derivative: @escaping (_ x: Float, _ y: Float) -> Float
    ) -> Tensor {
        let input = self
        let output = result.storage, outputOffset = result.storageOffset
        return Tensor.record(result, name: name, inputs: [self]) { ctx in
            let g = ctx.gradOutput.data, x = input.data, y = output.base + outputOffset
            ctx.withGradient(of: 0) { dst, accumulate in
                if accumulate {
                    for i in 0..<input.count { dst[i] += g[i] * derivative(x[i], y[i]) }
                } else {
                    for i in 0..<input.count { dst[i] = g[i] * derivative(x[i], y[i]) }
                }
            }
        }
    }

    /// `eˣ` elementwise.
    public func exp() -> Tensor {
        recordElementwise(mapValues { expf($0) }, name: "exp") { _, y in y }
    }

    /// The natural logarithm elementwise (`-inf` at 0, NaN below).
    public func log() -> Tensor {
        recordElementwise(mapValues { logf($0) }, name: "log") { x, _ in 1 / x }
    }

    /// The square root elementwise.
    public func sqrt() -> Tensor {
        recordElementwise(mapValues { $0.squareRoot() }, name: "sqrt") { _, y in 0.5 / y }
    }

    /// `xᵖ` elementwise for a constant exponent (as `torch.pow(x, p)`); the gradient is
    /// `p·xᵖ⁻¹`, and 0 when `p` is 0.
    public func pow(_ exponent: Float) -> Tensor {
        if exponent == 2 {
            return recordElementwise(mapValues { $0 * $0 }, name: "square") { x, _ in 2 * x }
        }
        let result = mapValues { powf($0, exponent) }
        return recordElementwise(result, name: "pow_scalar") { x, _ in
            exponent == 0 ? 0 : exponent * powf(x, exponent - 1)
        }
    }

    /// `|x|` elementwise; the gradient is the sign of `x`, 0 at 0 (as PyTorch).
    public func abs() -> Tensor {
        recordElementwise(mapValues { $0.magnitude }, name: "abs") { x, _ in
            x > 0 ? 1 : (x < 0 ? -1 : 0)
        }
    }

    /// Each element limited to `[min, max]` (either bound may be omitted; as `torch.clamp`).
    ///
    /// The gradient passes where `min <= x <= max` and is 0 outside, as in PyTorch.
    public func clamp(min lower: Float? = nil, max upper: Float? = nil) -> Tensor {
        precondition(lower != nil || upper != nil, "clamp needs at least one of min and max")
        let low = lower ?? -.infinity, high = upper ?? .infinity
        let result = mapValues { Swift.min(Swift.max($0, low), high) }
        return recordElementwise(result, name: "clamp") { x, _ in
            x >= low && x <= high ? 1 : 0
        }
    }
}
