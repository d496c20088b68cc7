#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Pointwise non-linearities, with PyTorch's definitions and default parameters.

/// How ``Tensor/gelu(approximate:)`` evaluates the Gaussian CDF.
public enum GELUApproximation: Sendable {
    /// `x·Φ(x)` with the error function (PyTorch's default, `approximate='none'`).
    case exact
    /// `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))` (`approximate='tanh'`).
    case tanh
}

extension Tensor {
    /// `max(x, 0)`.
    public func relu() -> Tensor {
        let input = self
        let result = mapValues { Swift.max($0, 0) }
        return Tensor.record(result, name: "relu", inputs: [self]) { ctx in
            let g = ctx.gradOutput.data, x = input.data
            ctx.withGradient(of: 0) { dst, accumulate in
                MaskedKernels.passWherePositive(g, where: x, into: dst, count: input.count, accumulate: accumulate)
            }
        }
    }

    /// `x` where positive, `negativeSlope·x` elsewhere (as `leaky_relu`, default slope 0.01).
    public func leakyRelu(negativeSlope: Float = 0.01) -> Tensor {
        let input = self
        // max and min rather than a select per element, which would branch.
        let result = mapValues { Swift.max($0, 0) + negativeSlope * Swift.min($0, 0) }
        return Tensor.record(result, name: "leaky_relu", inputs: [self]) { ctx in
            let g = ctx.gradOutput.data, x = input.data
            ctx.withGradient(of: 0) { dst, accumulate in
                MaskedKernels.passWherePositive(g, where: x, elsewhereScaledBy: negativeSlope, into: dst,
                                                count: input.count, accumulate: accumulate)
            }
        }
    }

    /// The logistic function `1 / (1 + e⁻ˣ)`, evaluated without overflow for large `|x|`.
    public func sigmoid() -> Tensor {
        recordElementwise(mapValues(stableSigmoid), name: "sigmoid") { _, y in y * (1 - y) }
    }

    /// The hyperbolic tangent elementwise.
    public func tanh() -> Tensor {
        recordElementwise(mapValues { tanhf($0) }, name: "tanh") { _, y in 1 - y * y }
    }

    /// The Gaussian error linear unit `x·Φ(x)` (as `torch.nn.functional.gelu`), exact by
    /// default or with the tanh approximation.
    public func gelu(approximate: GELUApproximation = .exact) -> Tensor {
        switch approximate {
        case .exact:
            let result = mapValues { 0.5 * $0 * (1 + erff($0 * Float(0.5).squareRoot())) }
            return recordElementwise(result, name: "gelu") { x, _ in
                // Φ(x) + x·φ(x)
                let cdf = 0.5 * (1 + erff(x * Float(0.5).squareRoot()))
                let pdf = expf(-0.5 * x * x) / Float(2 * Float.pi).squareRoot()
                return cdf + x * pdf
            }
        case .tanh:
            return geluTanh()
        }
    }

    /// GELU in its tanh form, keeping each `tanh` for backward:
    /// `y = 0.5·x·(1 + t)`, `t = tanh(√(2/π)·(x + 0.044715·x³))`,
    /// `dy/dx = 0.5·(1 + t) + 0.5·x·(1 - t²)·√(2/π)·(1 + 3·0.044715·x²)`.
    private func geluTanh() -> Tensor {
        let c = Float(2 / Float.pi).squareRoot(), k: Float = 0.044715
        let tanhs = Tensor(uninitializedShape: shape)
        let result = Tensor(uninitializedShape: shape)
        let x = data, t = tanhs.data, y = result.data
        for i in 0..<count {
            let value = x[i]
            let tanh = fastTanh(c * (value + k * value * value * value))
            t[i] = tanh
            y[i] = 0.5 * value * (1 + tanh)
        }
        let input = self, elementCount = count
        return Tensor.record(result, name: "gelu_tanh", inputs: [self]) { ctx in
            let g = ctx.gradOutput.data, x = input.data, t = tanhs.data
            ctx.withGradient(of: 0) { dst, accumulate in
                for i in 0..<elementCount {
                    let value = x[i], tanh = t[i]
                    let slope = 0.5 * (1 + tanh) + 0.5 * value * (1 - tanh * tanh) * c * (1 + 3 * k * value * value)
                    dst[i] = (accumulate ? dst[i] : 0) + g[i] * slope
                }
            }
        }
    }

    /// `log(1 + e^(β·x)) / β`, and `x` itself where `β·x > threshold`, where the two agree in
    /// Float32 (as `torch.nn.functional.softplus`, defaults β = 1, threshold = 20).
    public func softplus(beta: Float = 1, threshold: Float = 20) -> Tensor {
        let result = mapValues { x -> Float in
            let z = beta * x
            return z > threshold ? x : log1pf(expf(z)) / beta
        }
        return recordElementwise(result, name: "softplus") { x, _ in
            let z = beta * x
            return z > threshold ? 1 : stableSigmoid(z)
        }
    }
}

/// `1 / (1 + e⁻ˣ)`, exponentiating only non-positive numbers so nothing overflows.
@inline(__always)
func stableSigmoid(_ x: Float) -> Float {
    if x >= 0 { return 1 / (1 + expf(-x)) }
    let e = expf(x)
    return e / (1 + e)
}
