// Maxima and minima, over the whole tensor or along one axis, and the positions where they
// occur. NaN counts as larger (for max) or smaller (for min) than any number, so it
// propagates, as in PyTorch.

extension Tensor {
    /// The largest element, as a scalar tensor. Where several elements tie for the maximum,
    /// the gradient is shared evenly between them (as PyTorch's `max()`).
    public func max() -> Tensor { extremum(largest: true) }

    /// The smallest element, as a scalar tensor. Ties share the gradient evenly.
    public func min() -> Tensor { extremum(largest: false) }

    /// The largest values along `axis`. The gradient goes to the position each value came
    /// from (the first one on ties), as `max(dim).values` in PyTorch.
    public func max(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        extremum(alongAxis: axis, largest: true, keepingDimensions: keepingDimensions)
    }

    /// The smallest values along `axis`; the gradient goes to the position of each.
    public func min(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        extremum(alongAxis: axis, largest: false, keepingDimensions: keepingDimensions)
    }

    /// The positions of the largest values along `axis` (the first on ties), as plain
    /// integers in row-major order of the remaining dimensions.
    ///
    /// Indices are `[Int]` rather than a tensor: tensors hold `Float`, and indices are used
    /// as integers (accuracy, `indexSelect`, labels).
    ///
    ///     logits.argmax(alongAxis: 1)   // [batch] predicted classes for [batch, classes]
    public func argmax(alongAxis axis: Int) -> [Int] {
        extremePositions(alongAxis: normalizedAxis(axis), largest: true, into: nil)
    }

    /// The positions of the smallest values along `axis` (the first on ties).
    public func argmin(alongAxis axis: Int) -> [Int] {
        extremePositions(alongAxis: normalizedAxis(axis), largest: false, into: nil)
    }

    /// The flat row-major position of the largest element (the first on ties).
    public func argmax() -> Int { flattenedValues().extremePositions(alongAxis: 0, largest: true, into: nil)[0] }

    /// The flat row-major position of the smallest element (the first on ties).
    public func argmin() -> Int { flattenedValues().extremePositions(alongAxis: 0, largest: false, into: nil)[0] }

    /// The same storage viewed as one dimension, without recording.
    private func flattenedValues() -> Tensor { Tensor(shape: [count], storage: storage, offset: storageOffset) }

    private func extremum(largest: Bool) -> Tensor {
        precondition(count > 0, "\(largest ? "max" : "min") of an empty tensor")
        let x = data
        var best = x[0]
        for i in 1..<count where isBetter(x[i], than: best, largest: largest) { best = x[i] }
        var ties = 0
        for i in 0..<count where x[i] == best { ties += 1 }
        let input = self, value = best, share = ties
        return Tensor.record(Tensor(scalar: best), name: largest ? "max" : "min", inputs: [self]) { ctx in
            let g = ctx.gradOutput.item / Float(Swift.max(share, 1)), x = input.data
            ctx.withGradient(of: 0) { dst, accumulate in
                if !accumulate { dst.update(repeating: 0, count: input.count) }
                for i in 0..<input.count where x[i] == value { dst[i] += g }
            }
        }
    }

    private func extremum(alongAxis axis: Int, largest: Bool, keepingDimensions: Bool) -> Tensor {
        precondition(rank > 0, "cannot reduce a scalar along an axis")
        let axis = normalizedAxis(axis)
        var resultShape = shape
        if keepingDimensions { resultShape[axis] = 1 } else { resultShape.remove(at: axis) }
        let result = Tensor(uninitializedShape: resultShape)
        let positions = extremePositions(alongAxis: axis, largest: largest, into: result.data)
        let (outer, inner) = outerAndInnerCounts(around: axis)
        let size = shape[axis], inputCount = count
        return Tensor.record(result, name: largest ? "max_axis" : "min_axis", inputs: [self]) { ctx in
            let g = ctx.gradOutput.data
            ctx.withGradient(of: 0) { dst, accumulate in
                if !accumulate { dst.update(repeating: 0, count: inputCount) }
                positions.withUnsafeBufferPointer { k in
                    for o in 0..<outer {
                        for j in 0..<inner {
                            let r = o * inner + j
                            dst[(o * size + k[r]) * inner + j] += g[r]
                        }
                    }
                }
            }
        }
    }

    /// The position along `axis` (already normalised) of each extreme value, in row-major
    /// order of the other dimensions; the values themselves go to `values` when given.
    private func extremePositions(
        alongAxis axis: Int, largest: Bool, into values: UnsafeMutablePointer<Float>?
    ) -> [Int] {
        let size = shape[axis]
        precondition(size > 0, "\(largest ? "max" : "min") along axis \(axis) of size 0")
        let (outer, inner) = outerAndInnerCounts(around: axis)
        let x = data
        let best = values ?? UnsafeMutablePointer<Float>.allocate(capacity: outer * inner)
        defer { if values == nil { best.deallocate() } }
        var positions = [Int](repeating: 0, count: outer * inner)
        positions.withUnsafeMutableBufferPointer { position in
            for o in 0..<outer {
                let row = x + o * size * inner, bestRow = best + o * inner
                bestRow.update(from: row, count: inner)
                // Step through the axis one contiguous run at a time.
                for k in 1..<size {
                    let run = row + k * inner
                    for j in 0..<inner where isBetter(run[j], than: bestRow[j], largest: largest) {
                        bestRow[j] = run[j]
                        position[o * inner + j] = k
                    }
                }
            }
        }
        return positions
    }
}

/// Whether `value` should replace `best` in a running maximum (or minimum): strictly better,
/// so the first of equal values wins, with NaN beating any number.
@inline(__always)
private func isBetter(_ value: Float, than best: Float, largest: Bool) -> Bool {
    if value.isNaN { return !best.isNaN }
    return largest ? value > best : value < best
}
