// Broadcasting arithmetic. Each operation keeps its forward and backward side by side.

extension Tensor {
    /// Applies `op` elementwise over the broadcast of `lhs` and `rhs`, with fast paths for
    /// equal shapes and scalar operands.
    @inline(__always)
    static func broadcastMap(_ lhs: Tensor, _ rhs: Tensor, _ op: (Float, Float) -> Float) -> Tensor {
        if lhs.shape == rhs.shape {
            let result = Tensor(uninitializedShape: lhs.shape)
            let a = lhs.data, b = rhs.data, out = result.data
            for i in 0..<result.count { out[i] = op(a[i], b[i]) }
            return result
        }
        let plan = Broadcast(lhs.shape, rhs.shape)
        let result = Tensor(uninitializedShape: plan.shape)
        let a = lhs.data, b = rhs.data, out = result.data
        if rhs.count == 1 {
            let s = b[0]
            for i in 0..<result.count { out[i] = op(a[i], s) }
        } else if lhs.count == 1 {
            let s = a[0]
            for i in 0..<result.count { out[i] = op(s, b[i]) }
        } else if lhs.count == result.count, rhs.shape.last == plan.shape.last, rhs.count == rhs.shape.last {
            // A row repeated over every leading index (a bias): the common case in networks.
            let n = rhs.count
            for row in 0..<(result.count / n) {
                let base = row * n
                for j in 0..<n { out[base + j] = op(a[base + j], b[j]) }
            }
        } else {
            plan.forEach { o, l, r in out[o] = op(a[l], b[r]) }
        }
        return result
    }

    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        let result = broadcastMap(lhs, rhs, +)
        return record(result, name: "add", inputs: [lhs, rhs]) { ctx in
            ctx.accumulateBroadcast(ctx.gradOutput, into: 0)
            ctx.accumulateBroadcast(ctx.gradOutput, into: 1)
        }
    }

    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
        let result = broadcastMap(lhs, rhs, -)
        return record(result, name: "sub", inputs: [lhs, rhs]) { ctx in
            ctx.accumulateBroadcast(ctx.gradOutput, into: 0)
            if ctx.needsGrad(1) { ctx.accumulateBroadcast(ctx.gradOutput.negatedValues(), into: 1) }
        }
    }

    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor {
        let result = broadcastMap(lhs, rhs, *)
        return record(result, name: "mul", inputs: [lhs, rhs]) { ctx in
            let g = ctx.gradOutput
            if ctx.needsGrad(0) { ctx.accumulateBroadcast(broadcastMap(g, rhs, *), into: 0) }
            if ctx.needsGrad(1) { ctx.accumulateBroadcast(broadcastMap(g, lhs, *), into: 1) }
        }
    }

    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor {
        let result = broadcastMap(lhs, rhs, /)
        return record(result, name: "div", inputs: [lhs, rhs]) { ctx in
            let g = ctx.gradOutput
            if ctx.needsGrad(0) { ctx.accumulateBroadcast(broadcastMap(g, rhs, /), into: 0) }
            if ctx.needsGrad(1) {
                // d(a/b)/db = -a / b^2 = -(a/b) / b
                let quotient = broadcastMap(lhs, rhs, /)
                let scaled = broadcastMap(g, quotient, *)
                ctx.accumulateBroadcast(broadcastMap(scaled, rhs) { -$0 / $1 }, into: 1)
            }
        }
    }

    public static prefix func - (operand: Tensor) -> Tensor {
        let result = operand.negatedValues()
        return record(result, name: "neg", inputs: [operand]) { ctx in
            ctx.accumulate(ctx.gradOutput.negatedValues(), into: 0)
        }
    }

    /// `-self` without recording.
    func negatedValues() -> Tensor { mapValues { -$0 } }

    /// Applies `transform` to every element, without recording.
    @inline(__always)
    public func mapValues(_ transform: (Float) -> Float) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let a = data, out = result.data
        for i in 0..<count { out[i] = transform(a[i]) }
        return result
    }

    // Scalar operands: recorded as a one-input operation, so no gradient buffer is made for the scalar.

    public static func + (lhs: Tensor, rhs: Float) -> Tensor {
        record(lhs.mapValues { $0 + rhs }, name: "add_scalar", inputs: [lhs]) { ctx in
            ctx.accumulate(ctx.gradOutput, into: 0)
        }
    }

    public static func - (lhs: Tensor, rhs: Float) -> Tensor { lhs + (-rhs) }

    public static func * (lhs: Tensor, rhs: Float) -> Tensor {
        record(lhs.mapValues { $0 * rhs }, name: "mul_scalar", inputs: [lhs]) { ctx in
            ctx.accumulate(ctx.gradOutput.mapValues { $0 * rhs }, into: 0)
        }
    }

    public static func / (lhs: Tensor, rhs: Float) -> Tensor { lhs * (1 / rhs) }

    public static func + (lhs: Float, rhs: Tensor) -> Tensor { rhs + lhs }
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs * lhs }

    public static func - (lhs: Float, rhs: Tensor) -> Tensor {
        record(rhs.mapValues { lhs - $0 }, name: "rsub_scalar", inputs: [rhs]) { ctx in
            ctx.accumulate(ctx.gradOutput.negatedValues(), into: 0)
        }
    }

    public static func / (lhs: Float, rhs: Tensor) -> Tensor {
        let result = rhs.mapValues { lhs / $0 }
        return record(result, name: "rdiv_scalar", inputs: [rhs]) { ctx in
            // d(c/x)/dx = -c/x^2
            let g = ctx.gradOutput.data, x = rhs.data
            ctx.withGradient(of: 0) { dst, accumulate in
                for i in 0..<rhs.count {
                    let v = -g[i] * lhs / (x[i] * x[i])
                    dst[i] = accumulate ? dst[i] + v : v
                }
            }
        }
    }
}
