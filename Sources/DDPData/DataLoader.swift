import DDPTensor

/// Batches of one rank's share of a data set, epoch after epoch.
///
/// Every rank gets the same number of batches per epoch (the sampler pads or drops the
/// remainder), so every rank issues the same collectives.
public struct DataLoader {
    public let dataset: any Dataset
    /// Samples per batch on this rank.
    public let batchSize: Int
    public let sampler: DistributedSampler
    /// Leave out a last batch smaller than `batchSize`.
    public let dropLast: Bool

    public init(
        _ dataset: any Dataset, batchSize: Int, shuffle: Bool = true, seed: UInt64 = 0,
        rank: Int = 0, worldSize: Int = 1, dropLast: Bool = false,
        remainder: DistributedSampler.Remainder = .pad
    ) throws {
        guard batchSize > 0 else { throw DataError.invalidArgument("the batch size must be at least 1, got \(batchSize)") }
        guard dataset.count > 0 else { throw DataError.invalidArgument("the data set is empty") }
        self.dataset = dataset
        self.batchSize = batchSize
        self.dropLast = dropLast
        self.sampler = DistributedSampler(datasetCount: dataset.count, rank: rank, worldSize: worldSize,
                                          shuffle: shuffle, seed: seed, remainder: remainder)
    }

    /// The same loader for rank `rank` of `worldSize`: what a trainer does with a loader
    /// built for one process (as Lightning injects a distributed sampler).
    public func sharded(
        rank: Int, worldSize: Int, remainder: DistributedSampler.Remainder? = nil
    ) throws -> DataLoader {
        try DataLoader(dataset, batchSize: batchSize, shuffle: sampler.shuffle, seed: sampler.seed,
                       rank: rank, worldSize: worldSize, dropLast: dropLast,
                       remainder: remainder ?? sampler.remainder)
    }

    /// Samples per batch over all ranks.
    public var globalBatchSize: Int { batchSize * sampler.worldSize }

    /// Batches this rank gets in a whole epoch.
    public var batchesPerEpoch: Int {
        let perRank = (sampler.totalCount + sampler.worldSize - 1 - sampler.rank) / sampler.worldSize
        return dropLast ? perRank / batchSize : (perRank + batchSize - 1) / batchSize
    }

    /// This rank's batches of `epoch`, skipping the first `skippedBatches` global batches
    /// (all ranks' batches of that index) to resume mid-epoch.
    public func batches(epoch: Int, skippingBatches skippedBatches: Int = 0) -> BatchSequence {
        let indices = sampler.indices(epoch: epoch, startingAt: skippedBatches * globalBatchSize)
        return BatchSequence(dataset: dataset, indices: indices, batchSize: batchSize, dropLast: dropLast)
    }
}

/// One epoch of batches, gathered lazily as they are iterated.
public struct BatchSequence: Sequence {
    let dataset: any Dataset
    let indices: [Int]
    let batchSize: Int
    let dropLast: Bool

    /// The number of batches.
    public var count: Int { dropLast ? indices.count / batchSize : (indices.count + batchSize - 1) / batchSize }

    public func makeIterator() -> AnyIterator<Batch> {
        var next = 0
        let total = count
        return AnyIterator {
            guard next < total else { return nil }
            let start = next * batchSize
            next += 1
            return dataset.batch(at: Array(indices[start..<Swift.min(start + batchSize, indices.count)]))
        }
    }
}
