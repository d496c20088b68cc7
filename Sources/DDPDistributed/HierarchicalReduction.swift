import CMPI

/// A ``SharedReductionBuffer`` for ranks spread over several hosts: the ranks of each host
/// sum their buffers in a shared-memory window, one leader per host all-reduces the host's
/// sum with the other leaders, and every rank of the host takes the result from the window.
///
/// Only the leaders' `MPI_Allreduce` crosses the network, with one host's sum instead of
/// each of its ranks' buffers; inside a host nothing goes through the transport's copies.
/// Every rank ends with the same bits: each element is summed inside a host in rank order,
/// the leaders' all-reduce gives every leader the same total (as the flat `MPI_Allreduce`
/// does every rank), and each host scales that total once, the same way on every host.
///
/// On a host that runs one rank, that rank is the leader and keeps its buffer in its own
/// memory: no window is made there.
final class HierarchicalReductionBuffer: SharedReductionBuffer {
    let count: Int
    /// The window of this rank's host, or `nil` when the rank is alone on its host.
    private let window: MPISharedWindow?
    /// The buffer of a rank alone on its host.
    private let ownMemory: UnsafeMutablePointer<Float>?
    /// The leaders' communicator, on the leaders only.
    private let leaders: MPI_Comm?
    private let check: (Int32, String) -> Void

    init(count: Int, window: MPISharedWindow?, leaders: MPI_Comm?, check: @escaping (Int32, String) -> Void) {
        precondition(window != nil || leaders != nil, "a rank alone on its host must lead it")
        precondition(count <= window?.capacity ?? count, "a shared window of \(window?.capacity ?? 0) floats cannot hold \(count)")
        self.count = count
        self.window = window
        self.leaders = leaders
        self.check = check
        ownMemory = window == nil ? UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1)) : nil
        window?.isLent = true
        elements.update(repeating: 0, count: count)
    }

    var elements: UnsafeMutablePointer<Float> {
        if let window { return window.segments[window.rank] }
        return ownMemory!
    }

    func sumOverRanks(prefix: Int, scale: Float) {
        precondition(prefix >= 0 && prefix <= count, "cannot reduce \(prefix) of \(count) floats")
        guard let window else {
            // Alone on the host: the rank's own buffer is the host's sum.
            allReduceAmongLeaders(elements, count: prefix)
            scaleInPlace(elements, range: 0..<prefix, by: scale)
            return
        }
        // The host's sum into the leader's segment, each rank summing its slice...
        window.synchronize()
        let slice = window.ownSlice(of: prefix)
        sumSegments(window.segments, range: slice, into: window.segments[0])
        window.synchronize()
        // ...the leaders sum the hosts' sums...
        if leaders != nil { allReduceAmongLeaders(window.segments[0], count: prefix) }
        window.synchronize(yieldingWhileWaiting: true)
        // ...and every rank scales its slice of the total into every segment of the host.
        spreadScaled(window.segments[0], range: slice, by: scale, to: window.segments)
        window.synchronize()
    }

    private func allReduceAmongLeaders(_ base: UnsafeMutablePointer<Float>, count: Int) {
        guard let leaders, count > 0 else { return }
        // The count fits: the communicator checked the buffer's size when it made it.
        check(MPI_Allreduce(swiftddp_in_place(), base, Int32(count), swiftddp_float(), swiftddp_op_sum(), leaders),
              "MPI_Allreduce among the hosts' leaders")
    }

    deinit {
        window?.isLent = false
        ownMemory?.deallocate()
    }
}

/// Sums the part `range` of the ranks' `segments` in rank order into `destination` (which
/// may be one of them), one pass of SIMD vectors.
func sumSegments(_ segments: [UnsafeMutablePointer<Float>], range: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
    typealias Vector = SIMD16<Float>
    segments.withUnsafeBufferPointer { segments in
        let rest = segments.dropFirst()
        var i = range.lowerBound
        while i + Vector.scalarCount <= range.upperBound {
            var sum = UnsafeRawPointer(segments[0] + i).loadUnaligned(as: Vector.self)
            for segment in rest { sum += UnsafeRawPointer(segment + i).loadUnaligned(as: Vector.self) }
            UnsafeMutableRawPointer(destination + i).storeBytes(of: sum, as: Vector.self)
            i += Vector.scalarCount
        }
        while i < range.upperBound {
            var sum = segments[0][i]
            for segment in rest { sum += segment[i] }
            destination[i] = sum
            i += 1
        }
    }
}

/// Writes the part `range` of `source` times `scale` into every one of `segments` (which may
/// include `source`), one pass of SIMD vectors.
func spreadScaled(_ source: UnsafeMutablePointer<Float>, range: Range<Int>, by scale: Float,
                  to segments: [UnsafeMutablePointer<Float>]) {
    typealias Vector = SIMD16<Float>
    var i = range.lowerBound
    while i + Vector.scalarCount <= range.upperBound {
        let value = UnsafeRawPointer(source + i).loadUnaligned(as: Vector.self) * scale
        for segment in segments { UnsafeMutableRawPointer(segment + i).storeBytes(of: value, as: Vector.self) }
        i += Vector.scalarCount
    }
    while i < range.upperBound {
        let value = source[i] * scale
        for segment in segments { segment[i] = value }
        i += 1
    }
}

/// Multiplies the part `range` of `values` by `scale`, element by element as ``spreadScaled(_:range:by:to:)``
/// does, so a rank alone on its host ends with the same bits as the ranks sharing one.
func scaleInPlace(_ values: UnsafeMutablePointer<Float>, range: Range<Int>, by scale: Float) {
    spreadScaled(values, range: range, by: scale, to: [values])
}
