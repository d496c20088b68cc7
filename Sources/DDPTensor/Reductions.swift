// Sums and means, over the whole tensor or along axes.

extension Tensor {
    /// Resolves a possibly negative axis (as in PyTorch, -1 is the last).
    public func normalizedAxis(_ axis: Int) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        precondition(resolved >= 0 && resolved < Swift.max(rank, 1),
                     "axis \(axis) is out of range for a tensor of rank \(rank)")
        return resolved
    }

    /// The sum of all elements, as a scalar tensor.
    public func sum() -> Tensor {
        var total: Float = 0
        let a = data
        for i in 0..<count { total += a[i] }
        let input = self
        return Tensor.record(Tensor(scalar: total), name: "sum", inputs: [self]) { ctx in
            let g = ctx.gradOutput.item
            ctx.withGradient(of: 0) { dst, accumulate in
                if accumulate {
                    for i in 0..<input.count { dst[i] += g }
                } else {
                    dst.update(repeating: g, count: input.count)
                }
            }
        }
    }

    /// The mean of all elements, as a scalar tensor.
    public func mean() -> Tensor {
        precondition(count > 0, "mean of an empty tensor")
        return sum() * (1 / Float(count))
    }

    /// Sums along `axes`; the reduced dimensions are kept with size 1 when `keepingDimensions`.
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let reduced = Set(axes.map(normalizedAxis))
        let keptShape = shape.enumerated().map { reduced.contains($0.offset) ? 1 : $0.element }
        let finalShape = keepingDimensions ? keptShape : shape.enumerated().filter { !reduced.contains($0.offset) }.map(\.element)
        let result = Tensor(uninitializedShape: finalShape)
        sumBroadcast(data, shape: shape, to: keptShape, into: result.data, accumulate: false)
        let inputShape = shape
        return Tensor.record(result, name: "sum_axes", inputs: [self]) { ctx in
            ctx.withGradient(of: 0) { dst, accumulate in
                expandBroadcast(ctx.gradOutput.data, shape: keptShape, to: inputShape, into: dst, accumulate: accumulate)
            }
        }
    }

    /// Sums along one axis.
    public func sum(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        sum(alongAxes: [axis], keepingDimensions: keepingDimensions)
    }

    /// Means along `axes`.
    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let n = Set(axes.map(normalizedAxis)).reduce(1) { $0 * shape[$1] }
        return sum(alongAxes: axes, keepingDimensions: keepingDimensions) * (1 / Float(n))
    }

    /// Means along one axis.
    public func mean(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        mean(alongAxes: [axis], keepingDimensions: keepingDimensions)
    }
}

/// Writes (or adds) `source`, shaped `sourceShape` with size-1 dimensions, repeated up to
/// `targetShape` into `target`: the backward of a reduction that kept its dimensions.
func expandBroadcast(
    _ source: UnsafePointer<Float>, shape sourceShape: [Int],
    to targetShape: [Int], into target: UnsafeMutablePointer<Float>, accumulate: Bool
) {
    let plan = Broadcast(targetShape, sourceShape)
    if accumulate {
        plan.forEach { out, _, s in target[out] += source[s] }
    } else {
        plan.forEach { out, _, s in target[out] = source[s] }
    }
}
