#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A reference-counted, 64-byte aligned block of `Float`s.
///
/// Tensors and their views share a storage; the memory is freed with the last reference.
/// The contents are not initialised: every kernel writes its whole output.
public final class TensorStorage {
    /// The number of `Float`s the storage holds.
    public let count: Int
    /// The first element.
    public let base: UnsafeMutablePointer<Float>

    /// Allocates room for `count` floats, uninitialised.
    public init(count: Int) {
        precondition(count >= 0, "a storage cannot hold a negative number of elements")
        let bytes = Swift.max(count, 1) * MemoryLayout<Float>.stride
        var raw: UnsafeMutableRawPointer?
        // Aligned for AVX loads; posix_memalign never returns a null pointer on success.
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("out of memory: could not allocate \(bytes) bytes for a tensor")
        }
        base = raw.bindMemory(to: Float.self, capacity: Swift.max(count, 1))
        self.count = count
    }

    deinit { free(base) }
}
