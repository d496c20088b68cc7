/// NumPy-style broadcasting of two shapes: dimensions are matched from the right, and a
/// dimension of size 1 (or a missing one) repeats to match the other.
public struct Broadcast {
    /// The shape of the result.
    public let shape: [Int]
    /// For each result dimension, the step in the left operand (0 where it repeats).
    let lhsStrides: [Int]
    /// For each result dimension, the step in the right operand (0 where it repeats).
    let rhsStrides: [Int]

    /// The broadcast of `lhs` and `rhs`; stops with a message naming both shapes when
    /// they are incompatible.
    public init(_ lhs: [Int], _ rhs: [Int]) {
        let rank = Swift.max(lhs.count, rhs.count)
        let left = Array(repeating: 1, count: rank - lhs.count) + lhs
        let right = Array(repeating: 1, count: rank - rhs.count) + rhs
        var shape = [Int](repeating: 1, count: rank)
        for d in 0..<rank {
            precondition(left[d] == right[d] || left[d] == 1 || right[d] == 1,
                         "shapes \(lhs) and \(rhs) cannot be broadcast together (dimension \(d))")
            shape[d] = left[d] == 1 ? right[d] : left[d]
        }
        self.shape = shape
        lhsStrides = Broadcast.strides(of: left, in: shape)
        rhsStrides = Broadcast.strides(of: right, in: shape)
    }

    /// Row-major strides of `operand` (already padded to the result's rank), zero where it repeats.
    static func strides(of operand: [Int], in shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 0, count: shape.count)
        var step = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[d] = operand[d] == 1 && shape[d] != 1 ? 0 : step
            step *= operand[d]
        }
        return strides
    }

    /// Calls `body(out, lhs, rhs)` with the flat index of every result element and of the
    /// operand elements it reads, in row-major order of the result.
    @inline(__always)
    func forEach(_ body: (_ out: Int, _ lhs: Int, _ rhs: Int) -> Void) {
        let rank = shape.count
        let total = shape.reduce(1, *)
        guard total > 0 else { return }
        guard rank > 0 else { body(0, 0, 0); return }
        let inner = shape[rank - 1], innerL = lhsStrides[rank - 1], innerR = rhsStrides[rank - 1]
        var counter = [Int](repeating: 0, count: rank)
        var offL = 0, offR = 0, out = 0
        while out < total {
            var l = offL, r = offR
            for _ in 0..<inner {
                body(out, l, r)
                out += 1; l += innerL; r += innerR
            }
            // Advance the odometer over the outer dimensions.
            var d = rank - 2
            while d >= 0 {
                counter[d] += 1
                offL += lhsStrides[d]; offR += rhsStrides[d]
                if counter[d] < shape[d] { break }
                offL -= lhsStrides[d] * shape[d]; offR -= rhsStrides[d] * shape[d]
                counter[d] = 0
                d -= 1
            }
        }
    }
}

/// Adds (or writes, when `accumulate` is false) `source`, shaped `sourceShape`, summed down to
/// `targetShape` into `target`: the backward of broadcasting `targetShape` up to `sourceShape`.
func sumBroadcast(
    _ source: UnsafePointer<Float>, shape sourceShape: [Int],
    to targetShape: [Int], into target: UnsafeMutablePointer<Float>, accumulate: Bool
) {
    let sourceCount = sourceShape.reduce(1, *)
    if sourceShape == targetShape || sourceCount == targetShape.reduce(1, *) {
        if accumulate {
            for i in 0..<sourceCount { target[i] += source[i] }
        } else {
            target.update(from: source, count: sourceCount)
        }
        return
    }
    let targetCount = targetShape.reduce(1, *)
    if !accumulate { target.update(repeating: 0, count: targetCount) }
    if targetCount == 1 {
        var total: Float = 0
        for i in 0..<sourceCount { total += source[i] }
        target[0] += total
        return
    }
    let plan = Broadcast(sourceShape, targetShape)
    precondition(plan.shape == sourceShape, "cannot reduce \(sourceShape) to \(targetShape)")
    plan.forEach { out, _, t in target[t] += source[out] }
}

extension BackwardContext {
    /// Adds `gradient` (shaped like the op's output) into input `index`, summing over the
    /// dimensions along which that input was broadcast.
    public func accumulateBroadcast(_ gradient: Tensor, into index: Int) {
        let targetShape = inputs[index].shape
        withGradient(of: index) { destination, accumulate in
            sumBroadcast(gradient.data, shape: gradient.shape, to: targetShape,
                         into: destination, accumulate: accumulate)
        }
    }
}
