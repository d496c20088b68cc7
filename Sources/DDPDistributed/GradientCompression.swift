/// How gradient buckets travel between ranks.
public enum GradientCompression: String, CaseIterable, Sendable {
    /// 32-bit floats, summed by `MPI_Allreduce` or in shared memory.
    case none
    /// bfloat16 on the wire, half the bytes: each rank sends every other rank that rank's
    /// slice of its bucket (an all-to-all), sums the slices it receives in 32-bit floats in
    /// rank order, and the averaged slices are gathered back (an all-gather), again as
    /// bfloat16. Every rank ends with the same bits. The mean keeps bfloat16's 8 bits of
    /// mantissa.
    case bf16
}

/// bfloat16: the upper 16 bits of a 32-bit float.
public enum BFloat16 {
    /// Rounds to the nearest bfloat16, ties to even; a NaN stays a NaN.
    @inline(__always)
    public static func bits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
        let roundingBias: UInt32 = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ roundingBias) >> 16)
    }

    /// The float a bfloat16 stands for, exactly.
    @inline(__always)
    public static func value(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }
}

/// The buffers of one bucket's compressed averaging, kept between steps.
final class CompressedExchange {
    /// Elements per rank's slice (the bucket padded to a multiple of the number of ranks).
    let sliceCount: Int
    /// This rank's bucket as bfloat16, slice by slice; then, reused, the gathered means.
    let outgoing: UnsafeMutableBufferPointer<UInt16>
    /// Every rank's copy of this rank's slice, in rank order.
    let incoming: UnsafeMutableBufferPointer<UInt16>

    init(count: Int, worldSize: Int) {
        sliceCount = (count + worldSize - 1) / worldSize
        outgoing = .allocate(capacity: sliceCount * worldSize)
        incoming = .allocate(capacity: sliceCount * worldSize)
        outgoing.initialize(repeating: 0)
        incoming.initialize(repeating: 0)
    }

    deinit {
        outgoing.deallocate()
        incoming.deallocate()
    }

    /// Averages `elements` over the ranks of `communicator` through bfloat16 (see
    /// ``GradientCompression/bf16``), in place.
    func average(_ elements: UnsafeMutableBufferPointer<Float>, communicator: any Communicator) {
        let ranks = communicator.worldSize
        for i in 0..<elements.count { outgoing[i] = BFloat16.bits(elements[i]) }
        communicator.allToAll(UnsafeRawBufferPointer(outgoing), UnsafeMutableRawBufferPointer(incoming))

        // This rank's slice: the sum over ranks in rank order, then the mean, as bfloat16,
        // written over the first copy (each element is read before it is overwritten).
        let scale = 1 / Float(ranks)
        for i in 0..<sliceCount {
            var sum: Float = 0
            for source in 0..<ranks { sum += BFloat16.value(incoming[source * sliceCount + i]) }
            incoming[i] = BFloat16.bits(sum * scale)
        }
        let means = UnsafeRawBufferPointer(start: incoming.baseAddress, count: sliceCount * MemoryLayout<UInt16>.stride)
        communicator.allGather(means, into: UnsafeMutableRawBufferPointer(outgoing))
        for i in 0..<elements.count { elements[i] = BFloat16.value(outgoing[i]) }
    }
}
