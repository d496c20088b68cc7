/// A buffer of floats that a communicator can average over ranks faster than its
/// ``Communicator/allReduce(_:_:)-(UnsafeMutableBufferPointer<Float>,_)``: memory that every
/// rank of one machine maps, so the reduction reads the other ranks' values where they lie
/// instead of copying them through the transport.
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
/// Works through a small block that stays in the first-level cache: one read of each
/// segment and one write of each, whatever the number of ranks.
func sumSegments(
    _ segments: [UnsafeMutablePointer<Float>], range: Range<Int>, scale: Float,
    scratch: UnsafeMutablePointer<Float>, scratchCount: Int
) {
    var start = range.lowerBound
    while start < range.upperBound {
        let n = min(scratchCount, range.upperBound - start)
        let first = segments[0] + start
        for i in 0..<n { scratch[i] = first[i] }
        for segment in segments.dropFirst() {
            let values = segment + start
            for i in 0..<n { scratch[i] += values[i] }
        }
        if scale != 1 { for i in 0..<n { scratch[i] *= scale } }
        for segment in segments { (segment + start).update(from: scratch, count: n) }
        start += n
    }
}
