#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Elementwise functions of two (or three) broadcasting tensors beyond the four arithmetic
// operators: maximum, minimum, power and selection.

extension Tensor {
    /// Sends `gradOutput` back to both operands of a broadcasting binary operation, given the
    /// partial derivatives at each result element: `partials(a, b) -> (∂/∂a, ∂/∂b)`.
    static func accumulateBinaryGradients(
        _ ctx: BackwardContext, _ lhs: Tensor, _ rhs: Tensor,
        _ partials: (_ a: Float, _ b: Float) -> (Float, Float)
    ) {
        let (needLhs, needRhs) = (ctx.needsGrad(0), ctx.needsGrad(1))
        guard needLhs || needRhs else { return }
        let g = ctx.gradOutput.data
        // Result-shaped gradients, summed down to each operand's shape afterwards.
        let lhsGrad = Tensor(uninitializedShape: ctx.gradOutput.shape)
        let rhsGrad = Tensor(uninitializedShape: ctx.gradOutput.shape)
        let a = lhs.data, b = rhs.data, da = lhsGrad.data, db = rhsGrad.data
        if lhs.shape == rhs.shape {
            for i in 0..<lhs.count {
                let (pa, pb) = partials(a[i], b[i])
                da[i] = g[i] * pa; db[i] = g[i] * pb
            }
        } else {
            Broadcast(lhs.shape, rhs.shape).forEach { o, l, r in
                let (pa, pb) = partials(a[l], b[r])
                da[o] = g[o] * pa; db[o] = g[o] * pb
            }
        }
        if needLhs { ctx.accumulateBroadcast(lhsGrad, into: 0) }
        if needRhs { ctx.accumulateBroadcast(rhsGrad, into: 1) }
    }

    /// The larger of `lhs` and `rhs` elementwise, broadcasting (as `torch.maximum`). NaN
    /// propagates. Where they tie, each receives half of the gradient, as in PyTorch.
    public static func maximum(_ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        let result = broadcastMap(lhs, rhs) { a, b in a > b || a.isNaN ? a : b }
        return record(result, name: "maximum", inputs: [lhs, rhs]) { ctx in
            accumulateBinaryGradients(ctx, lhs, rhs) { a, b in
                a > b ? (1, 0) : (a < b ? (0, 1) : (0.5, 0.5))
            }
        }
    }

    /// The smaller of `lhs` and `rhs` elementwise, broadcasting (as `torch.minimum`). NaN
    /// propagates. Where they tie, each receives half of the gradient, as in PyTorch.
    public static func minimum(_ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        let result = broadcastMap(lhs, rhs) { a, b in a < b || a.isNaN ? a : b }
        return record(result, name: "minimum", inputs: [lhs, rhs]) { ctx in
            accumulateBinaryGradients(ctx, lhs, rhs) { a, b in
                a < b ? (1, 0) : (a > b ? (0, 1) : (0.5, 0.5))
            }
        }
    }

    /// `selfᵉ` elementwise with a broadcasting tensor exponent (as `torch.pow(x, e)`).
    ///
    /// The gradient in the exponent is `xᵉ·ln x`, taken as 0 where `x` is 0 and `e >= 0`
    /// (as PyTorch), so that `0⁰` does not produce NaN.
    public func pow(_ exponent: Tensor) -> Tensor {
        let base = self
        let result = Tensor.broadcastMap(base, exponent) { powf($0, $1) }
        return Tensor.record(result, name: "pow", inputs: [base, exponent]) { ctx in
            Tensor.accumulateBinaryGradients(ctx, base, exponent) { x, e in
                let dBase = e == 0 ? 0 : e * powf(x, e - 1)
                let dExponent = x == 0 && e >= 0 ? 0 : powf(x, e) * logf(x)
                return (dBase, dExponent)
            }
        }
    }

    /// Picks `lhs` where `condition` is non-zero and `rhs` elsewhere, all three broadcasting
    /// (as `torch.where`). Differentiable in `lhs` and `rhs`; `condition` is a mask, such as
    /// the result of `isGreater(than:)`, and gets no gradient.
    public static func `where`(_ condition: Tensor, _ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        let shape = Broadcast(Broadcast(condition.shape, lhs.shape).shape, rhs.shape).shape
        let mask = condition.broadcastValues(to: shape)
        let a = lhs.broadcastValues(to: shape), b = rhs.broadcastValues(to: shape)
        let result = Tensor(uninitializedShape: shape)
        let m = mask.data, x = a.data, y = b.data, out = result.data
        for i in 0..<result.count { out[i] = m[i] != 0 ? x[i] : y[i] }
        return record(result, name: "where", inputs: [lhs, rhs]) { ctx in
            let g = ctx.gradOutput.data, m = mask.data
            for (index, taken) in [(0, true), (1, false)] where ctx.needsGrad(index) {
                let selected = Tensor(uninitializedShape: shape)
                let s = selected.data
                for i in 0..<selected.count { s[i] = (m[i] != 0) == taken ? g[i] : 0 }
                ctx.accumulateBroadcast(selected, into: index)
            }
        }
    }
}
