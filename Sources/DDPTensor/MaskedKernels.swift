/// Element loops whose result depends on a comparison. Written with SIMD masks so they
/// compile to compares and blends: as plain `x > 0 ? a : b` the compiler emits a branch per
/// element, which mispredicts on activations of random sign and cost more than the matrix
/// products of a small network's step.
enum MaskedKernels {
    private typealias Vector = SIMD8<Float>

    /// `out[i] (+)= x[i] > 0 ? g[i] : negativeSlope · g[i]` for `i` in `0..<count`, adding
    /// when `accumulate`: the backward of ReLU (slope 0, where a non-finite `g` still gives 0,
    /// as PyTorch's) and of LeakyReLU.
    static func passWherePositive(
        _ g: UnsafePointer<Float>, where x: UnsafePointer<Float>, elsewhereScaledBy negativeSlope: Float = 0,
        into out: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool
    ) {
        let zero = Vector(repeating: 0), slope = Vector(repeating: negativeSlope)
        let isReLU = negativeSlope == 0
        var i = 0
        while i + Vector.scalarCount <= count {
            let gradient = UnsafeRawPointer(g + i).loadUnaligned(as: Vector.self)
            let input = UnsafeRawPointer(x + i).loadUnaligned(as: Vector.self)
            var value = (isReLU ? zero : gradient * slope).replacing(with: gradient, where: input .> zero)
            if accumulate { value += UnsafeRawPointer(out + i).loadUnaligned(as: Vector.self) }
            UnsafeMutableRawPointer(out + i).storeBytes(of: value, as: Vector.self)
            i += Vector.scalarCount
        }
        while i < count {
            let value: Float = x[i] > 0 ? g[i] : (isReLU ? 0 : negativeSlope * g[i])
            out[i] = accumulate ? out[i] + value : value
            i += 1
        }
    }
}
