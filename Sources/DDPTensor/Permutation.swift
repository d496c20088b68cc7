// Reordering dimensions: transposes and general permutations, always materialised as a
// contiguous copy. (Matmul takes transpose flags instead, so it never needs these.)

extension Tensor {
    /// A copy with the last two dimensions swapped: `[..., m, n] -> [..., n, m]`
    /// (as `transpose(-2, -1).contiguous()`).
    public func transposed() -> Tensor {
        precondition(rank >= 2, "transposed() needs at least two dimensions, not shape \(shape)")
        return transposed(rank - 2, rank - 1)
    }

    /// A copy with dimensions `axis0` and `axis1` swapped (as `transpose(dim0, dim1).contiguous()`).
    public func transposed(_ axis0: Int, _ axis1: Int) -> Tensor {
        var axes = Array(0..<rank)
        axes.swapAt(normalizedAxis(axis0), normalizedAxis(axis1))
        return permuted(axes)
    }

    /// A copy whose dimension `i` is dimension `axes[i]` of `self` (as `permute(...).contiguous()`).
    ///
    ///     Tensor.zeros([2, 3, 4]).permuted([2, 0, 1]).shape   // [4, 2, 3]
    public func permuted(_ axes: [Int]) -> Tensor {
        let resolved = axes.map(normalizedAxis)
        precondition(resolved.count == rank && Set(resolved).count == rank,
                     "permuted needs each of the \(rank) axes exactly once, not \(axes)")
        let result = Tensor(uninitializedShape: resolved.map { shape[$0] })
        permuteElements(data, shape: shape, axes: resolved, into: result.data, accumulate: false)
        // The gradient goes back through the inverse permutation.
        var inverse = [Int](repeating: 0, count: rank)
        for (i, axis) in resolved.enumerated() { inverse[axis] = i }
        let resultShape = result.shape
        return Tensor.record(result, name: "permute", inputs: [self]) { ctx in
            ctx.withGradient(of: 0) { dst, accumulate in
                permuteElements(ctx.gradOutput.data, shape: resultShape, axes: inverse,
                                into: dst, accumulate: accumulate)
            }
        }
    }
}

/// Writes (or adds, when `accumulate`) `source`, shaped `shape`, with its dimensions
/// reordered so that result dimension `i` is source dimension `axes[i]`, into `target`.
func permuteElements(
    _ source: UnsafePointer<Float>, shape: [Int], axes: [Int],
    into target: UnsafeMutablePointer<Float>, accumulate: Bool
) {
    let rank = shape.count
    let total = shape.reduce(1, *)
    guard total > 0 else { return }
    // Dimensions that keep their place at the front are an outer batch of contiguous blocks.
    var batchRank = 0
    while batchRank < rank && axes[batchRank] == batchRank { batchRank += 1 }
    if batchRank == rank {
        if accumulate {
            for i in 0..<total { target[i] += source[i] }
        } else {
            target.update(from: source, count: total)
        }
        return
    }
    if batchRank == rank - 2 {
        // Only the last two dimensions swap: a batch of matrix transposes, done in tiles.
        let (rows, columns) = (shape[rank - 2], shape[rank - 1])
        let batch = total / (rows * columns)
        transposeMatrices(source, batch: batch, rows: rows, columns: columns, into: target, accumulate: accumulate)
        return
    }

    var sourceStrides = [Int](repeating: 1, count: rank)
    for d in stride(from: rank - 2, through: 0, by: -1) { sourceStrides[d] = sourceStrides[d + 1] * shape[d + 1] }
    let resultShape = axes.map { shape[$0] }
    let steps = axes.map { sourceStrides[$0] }
    // Walk the result in row-major order; an odometer tracks the matching source offset.
    let inner = resultShape[rank - 1], innerStep = steps[rank - 1]
    var counter = [Int](repeating: 0, count: rank)
    var offset = 0, out = 0
    while out < total {
        var s = offset
        if accumulate {
            for _ in 0..<inner { target[out] += source[s]; out += 1; s += innerStep }
        } else {
            for _ in 0..<inner { target[out] = source[s]; out += 1; s += innerStep }
        }
        var d = rank - 2
        while d >= 0 {
            counter[d] += 1
            offset += steps[d]
            if counter[d] < resultShape[d] { break }
            offset -= steps[d] * resultShape[d]
            counter[d] = 0
            d -= 1
        }
    }
}

/// Transposes `batch` row-major `[rows, columns]` matrices into `[columns, rows]`, in square
/// tiles so that both the reads and the writes stay within a few cache lines.
func transposeMatrices(
    _ source: UnsafePointer<Float>, batch: Int, rows: Int, columns: Int,
    into target: UnsafeMutablePointer<Float>, accumulate: Bool
) {
    let tile = 32
    for b in 0..<batch {
        let src = source + b * rows * columns, dst = target + b * rows * columns
        for i0 in stride(from: 0, to: rows, by: tile) {
            let iEnd = Swift.min(i0 + tile, rows)
            for j0 in stride(from: 0, to: columns, by: tile) {
                let jEnd = Swift.min(j0 + tile, columns)
                for i in i0..<iEnd {
                    if accumulate {
                        for j in j0..<jEnd { dst[j * rows + i] += src[i * columns + j] }
                    } else {
                        for j in j0..<jEnd { dst[j * rows + i] = src[i * columns + j] }
                    }
                }
            }
        }
    }
}
