#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Causal multi-head self-attention as one recorded operation: batched matrix products on
// sgemm, a softmax masked to the past, optional dropout of the attention weights.
//
// It reads the packed projections `[batch, time, 3·channels]` (queries, then keys, then
// values, each split into heads of `channels / heads` columns) in place, through sgemm's
// leading dimensions, and writes the heads side by side in `[batch, time, channels]`: no
// split, transpose or merge of heads is ever copied.

extension Tensor {
    /// `softmax(q·kᵀ / √d + causal mask) · v` for every head, as PyTorch's
    /// `F.scaled_dot_product_attention(q, k, v, is_causal=True)` on the heads of
    /// `qkv.split(channels, dim=2)` viewed as `[batch, heads, time, d]`, with the heads merged
    /// back into `[batch, time, channels]`.
    ///
    /// Backward, per head, with `P` the attention weights and `S = q·kᵀ / √d`:
    /// `dv = Pᵀ·dy`, `dP = dy·vᵀ`, `dS = P ⊙ (dP - rowsum(dP ⊙ P))`, `dq = dS·k / √d`,
    /// `dk = dSᵀ·q / √d`.
    ///
    /// - Parameters:
    ///   - qkv: `[batch, time, 3·channels]`, `channels` divisible by `headCount`.
    ///   - dropout: the probability of zeroing an attention weight (after the softmax, as
    ///     nanoGPT's `attn_dropout`), drawn from `generator` one value per weight of the
    ///     causal triangle, head after head; 0: none.
    public static func causalSelfAttention(
        _ qkv: Tensor, headCount: Int, dropout: Float = 0, using generator: inout RandomGenerator
    ) -> Tensor {
        precondition((0..<1).contains(dropout), "attention dropout must be in [0, 1), got \(dropout)")
        let layout = AttentionLayout(qkv, headCount: headCount)
        var mask: Tensor?
        if dropout > 0 {
            let factors = Tensor(uninitializedShape: [layout.batch * headCount, layout.time, layout.time])
            let keep = 1 - dropout, factor = 1 / keep
            let m = factors.data, t = layout.time
            for block in 0..<(layout.batch * headCount) {
                for i in 0..<t {
                    let row = m + (block * t + i) * t
                    for j in 0...i { row[j] = generator.nextUniform() < keep ? factor : 0 }
                    for j in (i + 1)..<t { row[j] = 0 }
                }
            }
            mask = factors
        }
        return attention(qkv, layout: layout, dropoutFactors: mask)
    }

    /// ``causalSelfAttention(_:headCount:dropout:using:)`` without dropout.
    public static func causalSelfAttention(_ qkv: Tensor, headCount: Int) -> Tensor {
        attention(qkv, layout: AttentionLayout(qkv, headCount: headCount), dropoutFactors: nil)
    }

    private static func attention(_ qkv: Tensor, layout: AttentionLayout, dropoutFactors: Tensor?) -> Tensor {
        let (batch, time, channels, heads, d) = (layout.batch, layout.time, layout.channels, layout.heads, layout.headSize)
        let scale = 1 / Float(d).squareRoot()
        let packed = 3 * channels
        // The attention weights of every head, kept for backward; with dropout, also the
        // dropped weights that multiplied the values.
        let weights = Tensor(uninitializedShape: [batch * heads, time, time])
        let dropped = dropoutFactors.map { _ in Tensor(uninitializedShape: weights.shape) }
        let result = Tensor(uninitializedShape: [batch, time, channels])
        let input = qkv.data, output = result.data
        for b in 0..<batch {
            for h in 0..<heads {
                let block = (b * heads + h) * time * time
                let q = input + b * time * packed + h * d
                let p = weights.data + block
                BLAS.gemm(transposeA: false, transposeB: true, m: time, n: time, k: d, alpha: scale,
                          a: q, lda: packed, b: q + channels, ldb: packed, beta: 0, c: p, ldc: time)
                for i in 0..<time { causalSoftmaxRow(p + i * time, length: i + 1, width: time) }
                var applied = UnsafePointer(p)
                if let dropped, let factors = dropoutFactors {
                    let out = dropped.data + block, m = factors.data + block
                    for i in 0..<(time * time) { out[i] = p[i] * m[i] }
                    applied = UnsafePointer(out)
                }
                BLAS.gemm(transposeA: false, transposeB: false, m: time, n: d, k: time,
                          a: applied, lda: time, b: q + 2 * channels, ldb: packed,
                          beta: 0, c: output + b * time * channels + h * d, ldc: channels)
            }
        }

        return record(result, name: "causal_self_attention", inputs: [qkv]) { ctx in
            let g = ctx.gradOutput.data, input = qkv.data
            ctx.withGradient(of: 0) { dqkv, accumulate in
                let beta: Float = accumulate ? 1 : 0
                let scores = UnsafeMutablePointer<Float>.allocate(capacity: time * time)
                defer { scores.deallocate() }
                for b in 0..<batch {
                    for h in 0..<heads {
                        let block = (b * heads + h) * time * time
                        let offset = b * time * packed + h * d
                        let q = input + offset, k = q + channels, v = q + 2 * channels
                        let dq = dqkv + offset, dk = dq + channels, dv = dq + 2 * channels
                        let dy = g + b * time * channels + h * d
                        let p = weights.data + block
                        let applied = dropped.map { UnsafePointer($0.data + block) } ?? UnsafePointer(p)
                        BLAS.gemm(transposeA: true, transposeB: false, m: time, n: d, k: time,
                                  a: applied, lda: time, b: dy, ldb: channels, beta: beta, c: dv, ldc: packed)
                        // scores ← dP, the gradient of the weights (through the dropout mask).
                        BLAS.gemm(transposeA: false, transposeB: true, m: time, n: time, k: d,
                                  a: dy, lda: channels, b: v, ldb: packed, beta: 0, c: scores, ldc: time)
                        if let factors = dropoutFactors {
                            let m = factors.data + block
                            for i in 0..<(time * time) { scores[i] *= m[i] }
                        }
                        // scores ← dS / √d, the softmax's backward along each causal row.
                        for i in 0..<time {
                            let pRow = p + i * time, sRow = scores + i * time
                            var dot: Float = 0
                            for j in 0...i { dot += sRow[j] * pRow[j] }
                            for j in 0...i { sRow[j] = pRow[j] * (sRow[j] - dot) * scale }
                            for j in (i + 1)..<time { sRow[j] = 0 }
                        }
                        BLAS.gemm(transposeA: false, transposeB: false, m: time, n: d, k: time,
                                  a: scores, lda: time, b: k, ldb: packed, beta: beta, c: dq, ldc: packed)
                        BLAS.gemm(transposeA: true, transposeB: false, m: time, n: d, k: time,
                                  a: scores, lda: time, b: q, ldb: packed, beta: beta, c: dk, ldc: packed)
                    }
                }
            }
        }
    }
}

/// The sizes of packed attention projections `[batch, time, 3·channels]`.
struct AttentionLayout {
    let batch: Int, time: Int, channels: Int, heads: Int, headSize: Int

    init(_ qkv: Tensor, headCount: Int) {
        precondition(qkv.rank == 3 && qkv.shape[2] % 3 == 0,
                     "causal self-attention takes packed projections [batch, time, 3·channels], not \(qkv.shape)")
        precondition(headCount > 0 && (qkv.shape[2] / 3) % headCount == 0,
                     "\(qkv.shape[2] / 3) channels do not split into \(headCount) heads")
        (batch, time, channels) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / 3)
        heads = headCount
        headSize = channels / headCount
    }
}

/// Softmax of the first `length` entries of a row of `width` scores, zeros after them (the
/// future a causal mask hides).
@inline(__always)
private func causalSoftmaxRow(_ row: UnsafeMutablePointer<Float>, length: Int, width: Int) {
    var maximum = -Float.infinity
    for j in 0..<length { maximum = Swift.max(maximum, row[j]) }
    var sum: Float = 0
    for j in 0..<length {
        let e = expf(row[j] - maximum)
        row[j] = e
        sum += e
    }
    let inverse = 1 / sum
    for j in 0..<length { row[j] *= inverse }
    for j in length..<width { row[j] = 0 }
}
