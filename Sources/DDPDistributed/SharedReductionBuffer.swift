/// A buffer of floats that a communicator can average over ranks faster than its
/// ``Communicator/allReduce(_:_:)-(UnsafeMutableBufferPointer<Float>,_)``: memory that every
/// rank of one machine maps, so the reduction reads the other ranks' values where they lie
/// instead of copying them through the transport. Across machines, the memory the ranks of
/// each machine share, whose sums one leader per machine all-reduces (the hierarchical path).
///
/// Made by ``Communicator/makeSharedReductionBuffer(count:)``; ``GradientSync`` lays its
/// buckets in one when the communicator offers it.
public protocol SharedReductionBuffer: AnyObject {
    /// This rank's `count` floats.
    var elements: UnsafeMutablePointer<Float> { get }
    /// The number of floats.
    var count: Int { get }
    /// Replaces the first `prefix` floats of every rank's buffer with their sum over ranks
    /// times `scale`; every rank ends with bitwise the same values. A collective.
    func sumOverRanks(prefix: Int, scale: Float)
}

extension Communicator {
    /// No shared memory by default: gradients are averaged with ``allReduce(_:_:)``.
    public func makeSharedReductionBuffer(count: Int) -> (any SharedReductionBuffer)? { nil }
}

/// Sums the part `range` of the ranks' `segments` (in rank order, so every rank computes the
/// same bits), scales it, and writes it back to every segment.
///
/// One pass of SIMD vectors: each segment is read once and written once, whatever the number
/// of ranks, and nothing goes through a temporary buffer.
func sumSegments(_ segments: [UnsafeMutablePointer<Float>], range: Range<Int>, scale: Float) {
    typealias Vector = SIMD16<Float>
    segments.withUnsafeBufferPointer { segments in
        let rest = segments.dropFirst()
        var i = range.lowerBound
        while i + Vector.scalarCount <= range.upperBound {
            var sum = UnsafeRawPointer(segments[0] + i).loadUnaligned(as: Vector.self)
            for segment in rest { sum += UnsafeRawPointer(segment + i).loadUnaligned(as: Vector.self) }
            sum *= scale
            for segment in segments { UnsafeMutableRawPointer(segment + i).storeBytes(of: sum, as: Vector.self) }
            i += Vector.scalarCount
        }
        while i < range.upperBound {
            var sum = segments[0][i]
            for segment in rest { sum += segment[i] }
            sum *= scale
            for segment in segments { segment[i] = sum }
            i += 1
        }
    }
}
