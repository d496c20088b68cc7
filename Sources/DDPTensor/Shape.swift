// Views and rearrangements of a tensor's elements.

extension Tensor {
    /// The same elements under a new shape (a view sharing storage); one dimension may be -1
    /// and is then inferred.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let unknown = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != unknown }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) into \(newShape)")
            resolved[unknown] = count / known
        }
        precondition(resolved.reduce(1, *) == count, "cannot reshape \(shape) (\(count) elements) into \(newShape)")
        let view = Tensor(shape: resolved, storage: storage, offset: storageOffset)
        return Tensor.record(view, name: "reshape", inputs: [self]) { ctx in
            ctx.accumulate(ctx.gradOutput, into: 0)
        }
    }

    /// All elements in one dimension.
    public func flattened() -> Tensor { reshaped([count]) }

    /// Collapses every dimension after the first: `[batch, ...] -> [batch, rest]`.
    public func flattenedBatch() -> Tensor {
        precondition(rank >= 1, "flattenedBatch needs at least one dimension")
        return reshaped([shape[0], -1])
    }

    /// The same elements without any dimension of size 1 (a view, as `squeeze()`).
    public func squeezed() -> Tensor {
        reshaped(shape.filter { $0 != 1 })
    }

    /// The same elements without dimension `axis`, which must have size 1 (a view).
    ///
    /// Unlike PyTorch, which silently does nothing, squeezing a dimension that is not 1 is
    /// an error: it is almost always a shape bug.
    public func squeezed(axis: Int) -> Tensor {
        let resolved = normalizedAxis(axis)
        precondition(rank > 0 && shape[resolved] == 1,
                     "cannot squeeze axis \(axis) of shape \(shape): its size is not 1")
        var newShape = shape
        newShape.remove(at: resolved)
        return reshaped(newShape)
    }

    /// The same elements with a new dimension of size 1 inserted at `axis` (a view, as
    /// `unsqueeze(dim)`); `axis` ranges over `-(rank + 1)...rank`, and -1 appends.
    public func unsqueezed(axis: Int) -> Tensor {
        let resolved = axis < 0 ? axis + rank + 1 : axis
        precondition(resolved >= 0 && resolved <= rank,
                     "axis \(axis) is out of range for unsqueezing a tensor of rank \(rank)")
        var newShape = shape
        newShape.insert(1, at: resolved)
        return reshaped(newShape)
    }

    /// A copy with the dimensions of size 1 (or missing on the left) repeated to `targetShape`,
    /// following broadcasting rules (as `expand(...).contiguous()`). Backward sums over the
    /// repeated dimensions.
    public func expanded(to targetShape: [Int]) -> Tensor {
        precondition(targetShape.count >= rank && Broadcast(shape, targetShape).shape == targetShape,
                     "cannot expand shape \(shape) to \(targetShape)")
        let result = Tensor(uninitializedShape: targetShape)
        expandBroadcast(data, shape: shape, to: targetShape, into: result.data, accumulate: false)
        let inputShape = shape
        return Tensor.record(result, name: "expand", inputs: [self]) { ctx in
            ctx.withGradient(of: 0) { dst, accumulate in
                sumBroadcast(ctx.gradOutput.data, shape: targetShape, to: inputShape,
                             into: dst, accumulate: accumulate)
            }
        }
    }

    /// The elements broadcast to `targetShape`, without recording: `self` when the shape
    /// already matches, otherwise a copy.
    func broadcastValues(to targetShape: [Int]) -> Tensor {
        if shape == targetShape { return self }
        let result = Tensor(uninitializedShape: targetShape)
        expandBroadcast(data, shape: shape, to: targetShape, into: result.data, accumulate: false)
        return result
    }
}
