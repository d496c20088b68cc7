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
/// goes back to the system. Here each size has its own list of freed blocks, reused exactly.
///
/// The cache holds no more than it must: before mapping a new block, the blocks freed
/// longest ago are unmapped until what is in use and what is cached, with the new block, fit
/// in the most memory large tensors have held at once, plus a slack. The slack starts at
/// zero and grows by a block's size whenever a size that was unmapped is asked for again:
/// a step whose forward and backward peak in different sizes needs more than its peak to
/// find every block cached next time (a CNN's), and gets it after a step or two; a size
/// that never comes back (a data set of the phase before) costs nothing. So a step that
/// repeats the previous one's allocations maps nothing, and the resident memory of large
/// tensors stays at their peak in use plus what the repetition needs.
public final class LargeBlockCache: Sendable {
    /// Tensors of at least this many bytes use the cache (malloc maps blocks of this size
    /// and more itself by default); smaller ones come from malloc.
    public static let minimumBytes = 128 << 10

    /// The cache every ``TensorStorage`` of ``minimumBytes`` or more allocates from.
    public static let shared = LargeBlockCache()

    /// An empty cache (tests make their own; tensors use ``shared``).
    public init() {}

    deinit {
        for block in state.withLock({ $0.evict(toFit: $0.inUse) }) { munmap(block.address, block.size) }
    }

    /// A block of at least `bytes` bytes, page-aligned: a cached one of the same rounded size
    /// or a new mapping.
    public func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        let size = roundedSize(bytes)
        var released: [Block] = []
        let cached: UnsafeMutableRawPointer? = state.withLock { state in
            state.inUse += size
            if let block = state.take(size: size) { return block }
            state.peakInUse = Swift.max(state.peakInUse, state.inUse)
            if state.unmappedSizes.contains(size) { state.slack += size }
            released = state.evict(toFit: state.peakInUse + state.slack)
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
    public func release(_ address: UnsafeMutableRawPointer, bytes: Int) {
        let size = roundedSize(bytes)
        state.withLock { state in
            state.inUse -= size
            state.keep(Block(address: address, size: size))
        }
    }

    /// Unmaps every cached block and starts counting the peak (and the slack) again from the
    /// bytes in use now.
    public func releaseCachedBlocks() {
        let released = state.withLock { state in
            state.peakInUse = state.inUse
            state.slack = 0
            let released = state.evict(toFit: state.inUse)
            state.unmappedSizes = []
            return released
        }
        for block in released { munmap(block.address, block.size) }
    }

    /// Bytes of large tensors alive now.
    public var bytesInUse: Int { state.withLock { $0.inUse } }

    /// Bytes of freed large blocks kept for reuse.
    public var cachedBytes: Int { state.withLock { $0.cached } }

    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    private func roundedSize(_ bytes: Int) -> Int { (bytes + Self.pageSize - 1) / Self.pageSize * Self.pageSize }

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
        /// What the cache may hold beyond the peak in use (see ``LargeBlockCache``).
        var slack = 0
        /// The sizes of blocks the cache has unmapped.
        var unmappedSizes: Set<Int> = []
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
                unmappedSizes.insert(block.size)
                evicted.append(block)
            }
            return evicted
        }
    }

    private let state = Locked(State())
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
