#if canImport(Glibc)
import CMalloc
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
    /// The owner of borrowed memory, kept alive as long as the storage; `nil` when the
    /// storage allocated (and frees) its memory itself.
    private let memoryOwner: AnyObject?

    /// Allocates room for `count` floats, uninitialised.
    public init(count: Int) {
        precondition(count >= 0, "a storage cannot hold a negative number of elements")
        _ = TensorStorage.keepFreedMemory
        let bytes = Swift.max(count, 1) * MemoryLayout<Float>.stride
        var raw: UnsafeMutableRawPointer?
        // Aligned for AVX loads; posix_memalign never returns a null pointer on success.
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("out of memory: could not allocate \(bytes) bytes for a tensor")
        }
        base = raw.bindMemory(to: Float.self, capacity: Swift.max(count, 1))
        self.count = count
        memoryOwner = nil
    }

    /// Wraps `count` floats at `base` that `owner` allocated and keeps valid while it lives
    /// (memory shared between processes, for example); the storage never frees them.
    public init(borrowing base: UnsafeMutablePointer<Float>, count: Int, owner: AnyObject) {
        precondition(count >= 0, "a storage cannot hold a negative number of elements")
        self.base = base
        self.count = count
        memoryOwner = owner
    }

    deinit {
        if memoryOwner == nil { free(base) }
    }

    /// A training step frees and reallocates the same multi-megabyte buffers (activations,
    /// fresh gradients) every step. By default glibc returns such blocks to the system and
    /// page-faults them in again on the next step, which costs as much as the arithmetic on
    /// them; keeping them in the heap makes the memory footprint flat and the step cheaper.
    private static let keepFreedMemory: Void = {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_THRESHOLD, 256 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
        #endif
    }()
}
