import DDPTensor
import Testing

/// The cache behind large tensors, on a cache of the test's own: freed blocks are reused by
/// size, a new size unmaps what the peak in use leaves no room for, and a size that comes
/// back after being unmapped widens the room (see ``LargeBlockCache``).
@Suite struct LargeBlockCacheTests {
    static let mebibyte = 1 << 20

    @Test func freedBlocksAreReusedAndBoundedByThePeakInUse() {
        let cache = LargeBlockCache()
        let small = 4 * Self.mebibyte, large = 8 * Self.mebibyte

        let first = cache.allocate(bytes: small)
        Self.fill(first, bytes: small)
        cache.release(first, bytes: small)
        #expect(cache.cachedBytes == small)
        let again = cache.allocate(bytes: small)
        #expect(again == first, "a freed block is lent again for the same size")
        #expect(cache.cachedBytes == 0 && cache.bytesInUse == small)
        cache.release(again, bytes: small)

        // 8 MiB in use at most from now on: keeping the 4 MiB block beside it would exceed that.
        let big = cache.allocate(bytes: large)
        Self.fill(big, bytes: large)
        #expect(cache.cachedBytes == 0 && cache.bytesInUse == large)
        cache.release(big, bytes: large)

        // 4 MiB were unmapped and are asked for again: the cache keeps them beside the 8 MiB next time.
        let back = cache.allocate(bytes: small)
        #expect(cache.cachedBytes == large, "the 8 MiB block stays cached: the slack grew by 4 MiB")
        cache.release(back, bytes: small)
        #expect(cache.cachedBytes == small + large)
        let bigAgain = cache.allocate(bytes: large), backAgain = cache.allocate(bytes: small)
        #expect(bigAgain == big && backAgain == back, "both sizes found cached: nothing mapped anew")
        cache.release(bigAgain, bytes: large)
        cache.release(backAgain, bytes: small)

        cache.releaseCachedBlocks()
        #expect(cache.cachedBytes == 0 && cache.bytesInUse == 0)
    }

    @Test func sizesRoundToWholePages() {
        let cache = LargeBlockCache()
        let block = cache.allocate(bytes: LargeBlockCache.minimumBytes + 1)
        Self.fill(block, bytes: LargeBlockCache.minimumBytes + 1)
        cache.release(block, bytes: LargeBlockCache.minimumBytes + 1)
        // Any size within the same pages gets the same block.
        let same = cache.allocate(bytes: LargeBlockCache.minimumBytes + 2)
        #expect(same == block)
        #expect(Int(bitPattern: same) % 4096 == 0, "page-aligned")
        cache.release(same, bytes: LargeBlockCache.minimumBytes + 2)
    }

    /// Writes every byte, so that a block too small for its size would fault.
    static func fill(_ block: UnsafeMutableRawPointer, bytes: Int) {
        block.initializeMemory(as: UInt8.self, repeating: 1, count: bytes)
    }
}
