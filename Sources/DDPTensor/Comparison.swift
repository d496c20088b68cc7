// Elementwise comparisons. Each returns a mask: a Float tensor of 1 where the comparison
// holds and 0 where it does not (NaN compares false, except for "not equal"). Masks are not
// differentiable; use them with `Tensor.where`, or multiply by them.
//
// The comparison reads like the question it answers:
//
//     let positive = x.isGreater(than: 0)          // 1 where x > 0
//     let same = predictions.isEqual(to: labels)   // broadcasting, like arithmetic
//
// The pointwise operators `.==`, `.!=`, `.<`, `.<=`, `.>`, `.>=` (as on Swift's SIMD types)
// are the same operations.

extension Tensor {
    @inline(__always)
    static func mask(_ lhs: Tensor, _ rhs: Tensor, _ holds: (Float, Float) -> Bool) -> Tensor {
        broadcastMap(lhs, rhs) { holds($0, $1) ? 1 : 0 }
    }

    @inline(__always)
    func mask(_ holds: (Float) -> Bool) -> Tensor {
        mapValues { holds($0) ? 1 : 0 }
    }

    /// 1 where `self == other` (broadcasting), 0 elsewhere.
    public func isEqual(to other: Tensor) -> Tensor { Tensor.mask(self, other, ==) }
    /// 1 where `self != other` (broadcasting), 0 elsewhere.
    public func isNotEqual(to other: Tensor) -> Tensor { Tensor.mask(self, other, !=) }
    /// 1 where `self < other` (broadcasting), 0 elsewhere.
    public func isLess(than other: Tensor) -> Tensor { Tensor.mask(self, other, <) }
    /// 1 where `self <= other` (broadcasting), 0 elsewhere.
    public func isLessOrEqual(to other: Tensor) -> Tensor { Tensor.mask(self, other, <=) }
    /// 1 where `self > other` (broadcasting), 0 elsewhere.
    public func isGreater(than other: Tensor) -> Tensor { Tensor.mask(self, other, >) }
    /// 1 where `self >= other` (broadcasting), 0 elsewhere.
    public func isGreaterOrEqual(to other: Tensor) -> Tensor { Tensor.mask(self, other, >=) }

    /// 1 where `self == value`, 0 elsewhere.
    public func isEqual(to value: Float) -> Tensor { mask { $0 == value } }
    /// 1 where `self != value`, 0 elsewhere.
    public func isNotEqual(to value: Float) -> Tensor { mask { $0 != value } }
    /// 1 where `self < value`, 0 elsewhere.
    public func isLess(than value: Float) -> Tensor { mask { $0 < value } }
    /// 1 where `self <= value`, 0 elsewhere.
    public func isLessOrEqual(to value: Float) -> Tensor { mask { $0 <= value } }
    /// 1 where `self > value`, 0 elsewhere.
    public func isGreater(than value: Float) -> Tensor { mask { $0 > value } }
    /// 1 where `self >= value`, 0 elsewhere.
    public func isGreaterOrEqual(to value: Float) -> Tensor { mask { $0 >= value } }

    /// `lhs.isEqual(to: rhs)`.
    public static func .== (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.isEqual(to: rhs) }
    /// `lhs.isNotEqual(to: rhs)`.
    public static func .!= (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.isNotEqual(to: rhs) }
    /// `lhs.isLess(than: rhs)`.
    public static func .< (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.isLess(than: rhs) }
    /// `lhs.isLessOrEqual(to: rhs)`.
    public static func .<= (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.isLessOrEqual(to: rhs) }
    /// `lhs.isGreater(than: rhs)`.
    public static func .> (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.isGreater(than: rhs) }
    /// `lhs.isGreaterOrEqual(to: rhs)`.
    public static func .>= (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.isGreaterOrEqual(to: rhs) }

    /// `lhs.isEqual(to: rhs)`.
    public static func .== (lhs: Tensor, rhs: Float) -> Tensor { lhs.isEqual(to: rhs) }
    /// `lhs.isNotEqual(to: rhs)`.
    public static func .!= (lhs: Tensor, rhs: Float) -> Tensor { lhs.isNotEqual(to: rhs) }
    /// `lhs.isLess(than: rhs)`.
    public static func .< (lhs: Tensor, rhs: Float) -> Tensor { lhs.isLess(than: rhs) }
    /// `lhs.isLessOrEqual(to: rhs)`.
    public static func .<= (lhs: Tensor, rhs: Float) -> Tensor { lhs.isLessOrEqual(to: rhs) }
    /// `lhs.isGreater(than: rhs)`.
    public static func .> (lhs: Tensor, rhs: Float) -> Tensor { lhs.isGreater(than: rhs) }
    /// `lhs.isGreaterOrEqual(to: rhs)`.
    public static func .>= (lhs: Tensor, rhs: Float) -> Tensor { lhs.isGreaterOrEqual(to: rhs) }
}
