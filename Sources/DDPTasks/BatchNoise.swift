/// Gaussian noise for one training batch that is the same for the same global batch on any
/// number of ranks.
///
/// A per-rank stream (such as `Trainer.randomStream`) gives every rank different noise, so a run
/// on N ranks would draw other latent vectors than one process reading the same global
/// batch. Here the noise of a whole global batch is drawn from a generator seeded by
/// (`seed`, batch number, stream), identically on every rank, and each rank keeps the
/// rows of its own samples: the sampler gives rank `r` of `N` the global positions
/// `r, r + N, r + 2N, ...` of each global batch, so that is the rows it takes.
public struct BatchNoise: Sendable, Equatable {
    /// The seed every draw derives from.
    public let seed: UInt64
    /// The number of values per sample (the latent size).
    public let dimension: Int

    public init(seed: UInt64, dimension: Int) {
        precondition(dimension > 0, "noise needs at least one value per sample, got \(dimension)")
        self.seed = seed
        self.dimension = dimension
    }

    /// This rank's rows `[localCount, dimension]` of the noise of global batch `batchNumber`
    /// (`localCount × worldSize` samples over all ranks); `stream` separates independent
    /// draws for the same batch.
    public func rows(
        batchNumber: Int, localCount: Int, rank: Int, worldSize: Int, stream: UInt64 = 0
    ) -> Tensor {
        precondition(worldSize > 0 && (0..<worldSize).contains(rank), "rank \(rank) is not in a world of \(worldSize)")
        var generator = RandomGenerator(
            seed: seed ^ (UInt64(truncatingIfNeeded: batchNumber) &* 0x9E37_79B9_7F4A_7C15)
                ^ (stream &* 0xC2B2_AE3D_27D4_EB4F))
        let global = Tensor.randn([localCount * worldSize, dimension], using: &generator)
        guard worldSize > 1 else { return global }
        return global.indexSelect(axis: 0, indices: Array(stride(from: rank, to: localCount * worldSize, by: worldSize)))
    }

    /// `count` samples of fixed noise for evaluation, independent of any training batch.
    public func evaluationRows(_ count: Int) -> Tensor {
        var generator = RandomGenerator(seed: seed ^ 0xE7A1_0A7E_5EED_0001)
        return Tensor.randn([count, dimension], using: &generator)
    }
}
