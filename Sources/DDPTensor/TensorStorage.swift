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
    /// The owner of borrowed memory, kept alive as long as the storage; `nil` when the
    /// storage allocated (and frees) its memory itself.
    private let memoryOwner: AnyObject?
    /// The size of the block ``LargeBlockCache`` lent, or 0 for memory from malloc or borrowed.
    private let cachedBytes: Int

    /// Allocates room for `count` floats, uninitialised.
    public init(count: Int) {
        precondition(count >= 0, "a storage cannot hold a negative number of elements")
        let bytes = Swift.max(count, 1) * MemoryLayout<Float>.stride
        let raw: UnsafeMutableRawPointer
        if bytes >= LargeBlockCache.minimumBytes {
            raw = LargeBlockCache.shared.allocate(bytes: bytes)   // page-aligned
            cachedBytes = bytes
        } else {
            var block: UnsafeMutableRawPointer?
            // Aligned for AVX loads; posix_memalign never returns a null pointer on success.
            guard posix_memalign(&block, 64, bytes) == 0, let block else {
                fatalError("out of memory: could not allocate \(bytes) bytes for a tensor")
            }
            raw = block
            cachedBytes = 0
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
        cachedBytes = 0
    }

    deinit {
        guard memoryOwner == nil else { return }
        if cachedBytes > 0 { LargeBlockCache.shared.release(base, bytes: cachedBytes) } else { free(base) }
    }

    /// Bytes of tensor storage of ``LargeBlockCache/minimumBytes`` (128 KiB) and more alive now;
    /// smaller tensors come from malloc (`mallinfo2` counts them).
    public static var largeBytesInUse: Int { LargeBlockCache.shared.bytesInUse }

    /// Bytes of freed large tensors kept mapped for the next tensors of the same sizes.
    public static var cachedBytesForReuse: Int { LargeBlockCache.shared.cachedBytes }

    /// Hands the freed large tensors' memory back to the system and counts the peak that
    /// bounds the cache from the bytes in use now: between phases of a run whose peaks are
    /// measured apart.
    public static func releaseCachedMemory() { LargeBlockCache.shared.releaseCachedBlocks() }
}
