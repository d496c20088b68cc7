// Selecting and joining along one axis. Each op sees the tensor as [outer, axis, inner]:
// `outer` is the product of the dimensions before the axis, `inner` of those after it, so
// every selected position along the axis is one contiguous run of `inner` elements.

extension Tensor {
    /// The sizes before and after `axis` (already normalised): `(outer, inner)`.
    func outerAndInnerCounts(around axis: Int) -> (outer: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[(axis + 1)...].reduce(1, *))
    }

    /// A copy of the positions `range` along `axis` (as `narrow(dim, start, length)`);
    /// any range expression works: `0..<2`, `1...3`, `2...`.
    ///
    ///     Tensor.arange(0, 6).reshaped([2, 3]).sliced(axis: 1, range: 1...).scalars   // [1, 2, 4, 5]
    public func sliced(axis: Int, range: some RangeExpression<Int>) -> Tensor {
        precondition(rank > 0, "cannot slice a scalar")
        let axis = normalizedAxis(axis)
        let size = shape[axis]
        let bounds = range.relative(to: 0..<size)
        precondition(bounds.lowerBound >= 0 && bounds.upperBound <= size,
                     "range \(bounds) is out of bounds for axis \(axis) of size \(size)")
        var resultShape = shape
        resultShape[axis] = bounds.count
        let result = Tensor(uninitializedShape: resultShape)
        let (outer, inner) = outerAndInnerCounts(around: axis)
        let run = bounds.count * inner, start = bounds.lowerBound * inner
        let src = data, out = result.data
        for o in 0..<outer { (out + o * run).update(from: src + o * size * inner + start, count: run) }
        let inputCount = count
        return Tensor.record(result, name: "slice", inputs: [self]) { ctx in
            let g = ctx.gradOutput.data
            ctx.withGradient(of: 0) { dst, accumulate in
                // Positions outside the slice get no gradient.
                if !accumulate { dst.update(repeating: 0, count: inputCount) }
                for o in 0..<outer {
                    let from = g + o * run, to = dst + o * size * inner + start
                    for i in 0..<run { to[i] += from[i] }
                }
            }
        }
    }

    /// The positions `indices` along `axis`, in that order, as a copy (as `index_select`).
    /// An index may repeat; backward then adds each copy's gradient into the same place.
    public func indexSelect(axis: Int, indices: [Int]) -> Tensor {
        precondition(rank > 0, "cannot index a scalar")
        let axis = normalizedAxis(axis)
        let size = shape[axis]
        for index in indices {
            precondition(index >= 0 && index < size, "index \(index) is out of range for axis \(axis) of size \(size)")
        }
        var resultShape = shape
        resultShape[axis] = indices.count
        let result = Tensor(uninitializedShape: resultShape)
        let (outer, inner) = outerAndInnerCounts(around: axis)
        let src = data, out = result.data
        indices.withUnsafeBufferPointer { picks in
            for o in 0..<outer {
                for (k, index) in picks.enumerated() {
                    (out + (o * picks.count + k) * inner).update(from: src + (o * size + index) * inner, count: inner)
                }
            }
        }
        let inputCount = count
        return Tensor.record(result, name: "index_select", inputs: [self]) { ctx in
            let g = ctx.gradOutput.data
            ctx.withGradient(of: 0) { dst, accumulate in
                if !accumulate { dst.update(repeating: 0, count: inputCount) }
                indices.withUnsafeBufferPointer { picks in
                    for o in 0..<outer {
                        for (k, index) in picks.enumerated() {
                            let from = g + (o * picks.count + k) * inner, to = dst + (o * size + index) * inner
                            for i in 0..<inner { to[i] += from[i] }
                        }
                    }
                }
            }
        }
    }

    /// Joins `tensors` end to end along `axis` (as `torch.cat`). Every other dimension must
    /// agree.
    public static func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concat needs at least one tensor")
        let first = tensors[0]
        precondition(first.rank > 0, "cannot concatenate scalars; stack them instead")
        let axis = first.normalizedAxis(axis)
        for t in tensors {
            precondition(t.rank == first.rank && t.shape.enumerated().allSatisfy { $0.offset == axis || $0.element == first.shape[$0.offset] },
                         "concat along axis \(axis) needs matching shapes elsewhere, got \(first.shape) and \(t.shape)")
        }
        let sizes = tensors.map { $0.shape[axis] }
        var resultShape = first.shape
        resultShape[axis] = sizes.reduce(0, +)
        let result = Tensor(uninitializedShape: resultShape)
        let (outer, inner) = first.outerAndInnerCounts(around: axis)
        let resultRun = resultShape[axis] * inner
        // Where each input's run starts inside one result run.
        var starts: [Int] = []
        var position = 0
        for size in sizes { starts.append(position); position += size * inner }
        let out = result.data
        for (k, t) in tensors.enumerated() {
            let run = sizes[k] * inner, src = t.data
            for o in 0..<outer { (out + o * resultRun + starts[k]).update(from: src + o * run, count: run) }
        }
        return record(result, name: "concat", inputs: tensors) { ctx in
            let g = ctx.gradOutput.data
            for k in 0..<sizes.count {
                let run = sizes[k] * inner, start = starts[k]
                ctx.withGradient(of: k) { dst, accumulate in
                    for o in 0..<outer {
                        let from = g + o * resultRun + start, to = dst + o * run
                        if accumulate {
                            for i in 0..<run { to[i] += from[i] }
                        } else {
                            to.update(from: from, count: run)
                        }
                    }
                }
            }
        }
    }

    /// Joins same-shaped `tensors` along a new dimension inserted at `axis` (as `torch.stack`);
    /// `axis` ranges over `-(rank + 1)...rank`.
    public static func stack(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "stack needs at least one tensor")
        for t in tensors {
            precondition(t.shape == tensors[0].shape, "stack needs equal shapes, got \(tensors[0].shape) and \(t.shape)")
        }
        return concat(tensors.map { $0.unsqueezed(axis: axis) }, axis: axis)
    }
}
