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
}
