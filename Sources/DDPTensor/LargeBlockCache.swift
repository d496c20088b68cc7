#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The memory of large tensors (``minimumBytes`` and more): whole pages mapped from the
/// system, and freed blocks kept for the next tensor of the same size.
///
/// A training step frees and allocates the same large buffers every step (activations, fresh
/// gradients). Mapping them anew each time would page-fault them in again, which costs as
/// much as the arithmetic on them; malloc's heap keeps them, but a heap holding blocks of
/// many sizes between small long-lived ones fragments, and a block freed in its middle never
/// goes back to the system. Here each size has its own list of freed blocks, reused exactly;
/// and the cache never holds more than is needed to stay under the most memory large
/// tensors have held at once: before mapping a new block, the blocks freed longest ago are
/// unmapped until what is in use and what is cached, with the new block, fit in that peak.
/// So a step that repeats the previous one's allocations finds every block cached, and the
/// resident memory of large tensors never exceeds their peak in use.
enum LargeBlockCache {
    /// Tensors of at least this many bytes use the cache (malloc maps blocks of this size
    /// and more itself by default); smaller ones come from malloc.
    static let minimumBytes = 128 << 10

    /// A block of at least `bytes` bytes, page-aligned: a cached one of the same rounded size
    /// or a new mapping.
    static func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        let size = roundedSize(bytes)
        var released: [Block] = []
        let cached: UnsafeMutableRawPointer? = state.withLock { state in
            state.inUse += size
            if let block = state.take(size: size) { return block }
            state.peakInUse = Swift.max(state.peakInUse, state.inUse)
            released = state.evict(toFit: state.peakInUse)
            return nil
        }
        for block in released { munmap(block.address, block.size) }
        if let cached { return cached }
        guard let address = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              address != MAP_FAILED
        else { fatalError("out of memory: could not map \(size) bytes for a tensor") }
        return address
    }

    /// Returns a block of `allocate(bytes:)` to the cache.
    static func release(_ address: UnsafeMutableRawPointer, bytes: Int) {
        let size = roundedSize(bytes)
        state.withLock { state in
            state.inUse -= size
            state.keep(Block(address: address, size: size))
        }
    }

    /// Unmaps every cached block and starts counting the peak again from the bytes in use now.
    static func releaseCachedBlocks() {
        let released = state.withLock { state in
            state.peakInUse = state.inUse
            return state.evict(toFit: state.inUse)
        }
        for block in released { munmap(block.address, block.size) }
    }

    /// Bytes of large tensors alive now.
    static var bytesInUse: Int { state.withLock { $0.inUse } }

    /// Bytes of freed large blocks kept for reuse.
    static var cachedBytes: Int { state.withLock { $0.cached } }

    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    private static func roundedSize(_ bytes: Int) -> Int { (bytes + pageSize - 1) / pageSize * pageSize }

    struct Block {
        let address: UnsafeMutableRawPointer
        let size: Int
        /// When the block was freed: the oldest go first.
        var freedAt = 0
    }

    /// The counts and freed blocks, changed only under the lock.
    struct State {
        var inUse = 0
        var peakInUse = 0
        var cached = 0
        /// Freed blocks by size, most recently freed last.
        var freed: [Int: [Block]] = [:]
        var releases = 0

        mutating func take(size: Int) -> UnsafeMutableRawPointer? {
            guard let block = freed[size]?.popLast() else { return nil }
            cached -= size
            return block.address
        }

        mutating func keep(_ block: Block) {
            var block = block
            releases += 1
            block.freedAt = releases
            freed[block.size, default: []].append(block)
            cached += block.size
        }

        /// Takes the blocks freed longest ago out of the cache until in use and cached bytes
        /// fit in `limit`; returns them to be unmapped outside the lock.
        mutating func evict(toFit limit: Int) -> [Block] {
            var evicted: [Block] = []
            while inUse + cached > limit {
                var oldest: Block?
                for blocks in freed.values {
                    if let first = blocks.first, first.freedAt < oldest?.freedAt ?? .max { oldest = first }
                }
                guard let block = oldest else { break }
                freed[block.size]!.removeFirst()
                if freed[block.size]!.isEmpty { freed[block.size] = nil }
                cached -= block.size
                evicted.append(block)
            }
            return evicted
        }
    }

    private static let state = Locked(State())
}

/// A value guarded by a mutex, for state shared by every thread that frees tensors.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
