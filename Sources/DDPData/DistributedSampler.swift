import DDPTensor

/// Decides which samples each rank sees in each epoch.
///
/// Every rank computes the same global order (a permutation drawn from `seed` and the
/// epoch, the same for any number of ranks), and rank `r` of `N` takes positions
/// `r, r + N, r + 2N, ...`. With a per-rank batch `B`, the union of the ranks' batch `k` is
/// exactly batch `k` of size `N·B` of a single process reading the same global order.
public struct DistributedSampler: Equatable {
    /// What to do with samples that do not fill a last round of `worldSize` ranks.
    public enum Remainder: String, Sendable {
        /// Repeat samples from the start of the order, so every rank gets the same count.
        case pad
        /// Leave the last samples out, so every rank gets the same count.
        case drop
        /// Keep every sample once; ranks may differ by one (for evaluation, reduced at the end).
        case uneven
    }

    public let datasetCount: Int
    public let rank: Int
    public let worldSize: Int
    public let shuffle: Bool
    public let seed: UInt64
    public let remainder: Remainder

    public init(
        datasetCount: Int, rank: Int = 0, worldSize: Int = 1, shuffle: Bool = true,
        seed: UInt64 = 0, remainder: Remainder = .pad
    ) {
        precondition(worldSize > 0 && (0..<worldSize).contains(rank), "rank \(rank) is not in a world of \(worldSize)")
        precondition(datasetCount >= 0, "a data set cannot have \(datasetCount) samples")
        self.datasetCount = datasetCount
        self.rank = rank
        self.worldSize = worldSize
        self.shuffle = shuffle
        self.seed = seed
        self.remainder = remainder
    }

    /// The length of the global order: padded up, or cut down, to a multiple of `worldSize`.
    public var totalCount: Int {
        switch remainder {
        case .pad: return (datasetCount + worldSize - 1) / worldSize * worldSize
        case .drop: return datasetCount / worldSize * worldSize
        case .uneven: return datasetCount
        }
    }

    /// The global order of sample indices for `epoch` (identical on every rank).
    public func globalOrder(epoch: Int) -> [Int] {
        var order = Array(0..<datasetCount)
        if shuffle {
            var generator = RandomGenerator(seed: seed &+ UInt64(truncatingIfNeeded: epoch) &* 0x9E37_79B9_7F4A_7C15)
            order.shuffle(using: &generator)
        }
        let total = totalCount
        if total > order.count, !order.isEmpty {
            // Pad by repeating from the start, as PyTorch's sampler does.
            order += (0..<(total - order.count)).map { order[$0 % datasetCount] }
        }
        return Array(order.prefix(total))
    }

    /// This rank's sample indices for `epoch`, starting at global position `offset`
    /// (samples already consumed by all ranks together, for resuming mid-epoch).
    public func indices(epoch: Int, startingAt offset: Int = 0) -> [Int] {
        let order = globalOrder(epoch: epoch)
        guard offset + rank < order.count else { return [] }
        return Array(stride(from: offset + rank, to: order.count, by: worldSize).map { order[$0] })
    }
}
