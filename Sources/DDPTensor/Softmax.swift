#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Softmax and log-softmax along any axis, each one recorded operation with its own backward.
//
// The tensor is seen as [outer, size, inner] around the axis; each of the outer·inner
// "lanes" is `size` elements `inner` apart, normalised on its own. The largest element of a
// lane is subtracted before exponentiating, so logits in the thousands stay finite.

extension Tensor {
    /// `exp(x) / Σ exp(x)` along `axis` (as `torch.softmax(x, dim)`); each lane sums to 1.
    ///
    /// Backward: `dx = y ⊙ (dy - Σ dy ⊙ y)`, summed along the axis.
    public func softmax(alongAxis axis: Int) -> Tensor {
        let lanes = SoftmaxLanes(self, axis: axis)
        let result = Tensor(uninitializedShape: shape)
        let x = data, y = result.data
        lanes.forEach { offset, size, step in
            let (_, sumOfExponentials) = shiftedExponentials(x + offset, size: size, step: step, into: y + offset)
            let scale = 1 / sumOfExponentials
            for k in 0..<size { y[offset + k * step] *= scale }
        }
        // The output's storage, not the output: the output owns this closure.
        let output = result.storage, outputOffset = result.storageOffset
        return Tensor.record(result, name: "softmax", inputs: [self]) { ctx in
            let g = ctx.gradOutput.data, y = output.base + outputOffset
            ctx.withGradient(of: 0) { dst, accumulate in
                lanes.forEach { offset, size, step in
                    var dot: Float = 0
                    for k in 0..<size { let i = offset + k * step; dot += g[i] * y[i] }
                    for k in 0..<size {
                        let i = offset + k * step
                        let v = y[i] * (g[i] - dot)
                        dst[i] = accumulate ? dst[i] + v : v
                    }
                }
            }
        }
    }

    /// `x - log Σ exp(x)` along `axis` (as `torch.log_softmax(x, dim)`), computed without
    /// forming the softmax, so very negative log-probabilities keep their precision.
    ///
    /// Backward: `dx = dy - softmax(x) ⊙ Σ dy`, summed along the axis.
    public func logSoftmax(alongAxis axis: Int) -> Tensor {
        let lanes = SoftmaxLanes(self, axis: axis)
        let result = Tensor(uninitializedShape: shape)
        let x = data, y = result.data
        lanes.forEach { offset, size, step in
            // The exponentials land in the output first, then are overwritten.
            let (maximum, sumOfExponentials) = shiftedExponentials(x + offset, size: size, step: step, into: y + offset)
            let logNormaliser = maximum + logf(sumOfExponentials)
            for k in 0..<size { let i = offset + k * step; y[i] = x[i] - logNormaliser }
        }
        let output = result.storage, outputOffset = result.storageOffset
        return Tensor.record(result, name: "log_softmax", inputs: [self]) { ctx in
            let g = ctx.gradOutput.data, y = output.base + outputOffset
            ctx.withGradient(of: 0) { dst, accumulate in
                lanes.forEach { offset, size, step in
                    var total: Float = 0
                    for k in 0..<size { total += g[offset + k * step] }
                    for k in 0..<size {
                        let i = offset + k * step
                        let v = g[i] - expf(y[i]) * total
                        dst[i] = accumulate ? dst[i] + v : v
                    }
                }
            }
        }
    }
}

/// The lanes of a tensor along one axis: `size` elements `step` apart, starting at `offset`.
struct SoftmaxLanes {
    let outer: Int, size: Int, inner: Int

    init(_ tensor: Tensor, axis: Int) {
        precondition(tensor.rank > 0, "softmax needs at least one dimension")
        let axis = tensor.normalizedAxis(axis)
        (outer, inner) = tensor.outerAndInnerCounts(around: axis)
        size = tensor.shape[axis]
    }

    @inline(__always)
    func forEach(_ body: (_ offset: Int, _ size: Int, _ step: Int) -> Void) {
        guard size > 0 else { return }
        for o in 0..<outer {
            for j in 0..<inner { body(o * size * inner + j, size, inner) }
        }
    }
}

/// Writes `exp(x - max)` of one lane into `out` (same layout) and returns the lane's maximum
/// and the sum of those exponentials.
@inline(__always)
private func shiftedExponentials(
    _ x: UnsafePointer<Float>, size: Int, step: Int, into out: UnsafeMutablePointer<Float>
) -> (maximum: Float, sum: Float) {
    var maximum = -Float.infinity
    for k in 0..<size { maximum = Swift.max(maximum, x[k * step]) }
    var sum: Float = 0
    for k in 0..<size {
        let e = expf(x[k * step] - maximum)
        out[k * step] = e
        sum += e
    }
    return (maximum, sum)
}
