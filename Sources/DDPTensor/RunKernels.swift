/// Loops over one contiguous run of floats (one image's plane of a channel, in batch
/// normalisation), in eight lanes: a plain `total += x[i]` loop is one chain of dependent
/// additions the compiler may not reorder, four cycles per element, where these load and
/// add eight at a time. A run is at most a few thousand elements, so float lanes lose
/// nothing that matters; callers add the runs' totals in double precision.
enum RunKernels {
    private typealias Vector = SIMD8<Float>
    private static let width = Vector.scalarCount

    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    /// Σ x[i].
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = Vector(repeating: 0), i = 0
        while i + width <= count {
            lanes += load(x + i)
            i += width
        }
        var total = lanes.sum()
        while i < count {
            total += x[i]
            i += 1
        }
        return total
    }

    /// Σ (x[i] - center)².
    @inline(__always)
    static func squaredDeviations(_ x: UnsafePointer<Float>, from center: Float, count: Int) -> Float {
        let c = Vector(repeating: center)
        var lanes = Vector(repeating: 0), i = 0
        while i + width <= count {
            let d = load(x + i) - c
            lanes += d * d
            i += width
        }
        var total = lanes.sum()
        while i < count {
            let d = x[i] - center
            total += d * d
            i += 1
        }
        return total
    }

    /// (Σ x[i], Σ x[i]²).
    @inline(__always)
    static func sumAndSquares(_ x: UnsafePointer<Float>, count: Int) -> (sum: Float, squares: Float) {
        var sums = Vector(repeating: 0), squares = Vector(repeating: 0), i = 0
        while i + width <= count {
            let v = load(x + i)
            sums += v
            squares += v * v
            i += width
        }
        var (sum, square) = (sums.sum(), squares.sum())
        while i < count {
            sum += x[i]
            square += x[i] * x[i]
            i += 1
        }
        return (sum, square)
    }

    /// (Σ g[i], Σ g[i]·(x[i] - center)).
    @inline(__always)
    static func sumAndCenteredDot(
        _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, center: Float, count: Int
    ) -> (sum: Float, dot: Float) {
        let c = Vector(repeating: center)
        var sums = Vector(repeating: 0), dots = Vector(repeating: 0), i = 0
        while i + width <= count {
            let gradient = load(g + i)
            sums += gradient
            dots += gradient * (load(x + i) - c)
            i += width
        }
        var (sum, dot) = (sums.sum(), dots.sum())
        while i < count {
            sum += g[i]
            dot += g[i] * (x[i] - center)
            i += 1
        }
        return (sum, dot)
    }

    /// out[i] = a·g[i] + b·(x[i] - center) + c, or added to out[i] when `accumulate`.
    @inline(__always)
    static func affineCombination(
        _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, a: Float, b: Float, center: Float, c: Float,
        into out: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool
    ) {
        let (va, vb, vc) = (Vector(repeating: a), Vector(repeating: b), Vector(repeating: c))
        let vcenter = Vector(repeating: center)
        var i = 0
        while i + width <= count {
            var v = va * load(g + i) + vb * (load(x + i) - vcenter) + vc
            if accumulate { v += load(UnsafePointer(out + i)) }
            UnsafeMutableRawPointer(out + i).storeBytes(of: v, as: Vector.self)
            i += width
        }
        while i < count {
            let v = a * g[i] + b * (x[i] - center) + c
            out[i] = accumulate ? out[i] + v : v
            i += 1
        }
    }

    /// out[i] = x[i]·scale + shift.
    @inline(__always)
    static func scaleAndShift(
        _ x: UnsafePointer<Float>, scale: Float, shift: Float, into out: UnsafeMutablePointer<Float>, count: Int
    ) {
        let (vs, vt) = (Vector(repeating: scale), Vector(repeating: shift))
        var i = 0
        while i + width <= count {
            UnsafeMutableRawPointer(out + i).storeBytes(of: load(x + i) * vs + vt, as: Vector.self)
            i += width
        }
        while i < count {
            out[i] = x[i] * scale + shift
            i += 1
        }
    }
}
