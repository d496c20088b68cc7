// tanh without a libm call per element, so loops over millions of values (the GELU of a
// transformer's MLP) vectorise: glibc's tanhf alone took a third of a GPT training step.

/// `eˣ` for `x <= 0`, to within 2 ulp: `2ⁿ · p(r)` with `x = n·ln 2 + r`, `|r| <= ln 2 / 2`,
/// `p` Cephes' degree-6 polynomial of `expf`; 0 below -87 (where Float32 underflows).
@inline(__always)
func exponentialOfNonPositive(_ x: Float) -> Float {
    let clamped = Swift.max(x, -87)
    // Adding 1.5·2²³ rounds to the nearest integer and leaves it in the low mantissa bits:
    // no call to roundf and no trapping conversion, so the loops around this vectorise.
    let shifted = clamped * 1.442_695_04 + 12_582_912
    let n = shifted - 12_582_912
    // ln 2 split in two so that n·ln 2 is subtracted exactly.
    let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
    var p: Float = 1.987_569_1e-4
    p = p * r + 1.398_199_9e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_6e-2
    p = p * r + 1.666_666_5e-1
    p = p * r + 5.000_000_1e-1
    p = p * r * r + r + 1
    let scale = Float(bitPattern: (shifted.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
    return x < -87 ? 0 : p * scale
}

/// The hyperbolic tangent, within about 1e-7 of `tanhf` (absolute): `(1 - e) / (1 + e)`
/// with `e = exp(-2|x|)`, the sign restored.
@inline(__always)
func fastTanh(_ x: Float) -> Float {
    let e = exponentialOfNonPositive(-2 * Swift.abs(x))
    let magnitude = (1 - e) / (1 + e)
    return x < 0 ? -magnitude : magnitude
}
