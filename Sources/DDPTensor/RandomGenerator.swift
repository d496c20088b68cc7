/// A seeded pseudo-random generator (xoshiro256**), small enough to save in a checkpoint.
///
/// Every rank that seeds it with the same value draws the same sequence, which is how
/// replicas agree on initial weights and shuffles without communicating.
public struct RandomGenerator: RandomNumberGenerator, Equatable, Sendable {
    /// The four words of state; restoring them resumes the sequence exactly.
    public var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose sequence depends only on `seed`.
    public init(seed: UInt64) {
        // SplitMix64 spreads any seed, 0 included, over the whole state.
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// Restores a generator from saved ``stateWords``.
    public init(stateWords: [UInt64]) {
        precondition(stateWords.count == 4, "a generator state has 4 words, not \(stateWords.count)")
        state = (stateWords[0], stateWords[1], stateWords[2], stateWords[3])
    }

    /// The state as an array, for checkpoints.
    public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

    public static func == (a: RandomGenerator, b: RandomGenerator) -> Bool { a.stateWords == b.stateWords }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, by: 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotateLeft(state.3, by: 45)
        return result
    }

    /// A uniform value in [0, 1) with 24 random bits.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * 0x1.0p-24
    }

    /// A uniform value in [0, 1) with 53 random bits.
    public mutating func nextUniformDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Two independent standard normal values (Box–Muller).
    public mutating func nextNormalPair() -> (Float, Float) {
        // 1 - u keeps the logarithm finite.
        let u1 = 1 - nextUniformDouble()
        let u2 = nextUniformDouble()
        let radius = (-2 * _log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        return (Float(radius * _cos(angle)), Float(radius * _sin(angle)))
    }

    private func rotateLeft(_ x: UInt64, by k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
@inline(__always) func _sin(_ x: Double) -> Double { Glibc.sin(x) }
#elseif canImport(Darwin)
import Darwin
@inline(__always) func _log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Darwin.cos(x) }
@inline(__always) func _sin(_ x: Double) -> Double { Darwin.sin(x) }
#endif
