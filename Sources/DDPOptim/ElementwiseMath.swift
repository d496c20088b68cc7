/// √x for an x the caller knows is ≥ 0 (a running average of squares), bitwise equal to
/// `x.squareRoot()` there.
///
/// On Linux `squareRoot()` lowers to a libm `sqrtf` call (it may set errno), which stops
/// LLVM from vectorizing the loop around it; `abs` proves the argument non-negative, so
/// the call becomes a plain `sqrtps` and the update loops vectorize.
@inline(__always)
func sqrtOfNonNegative(_ x: Float) -> Float { abs(x).squareRoot() }
