/// Changes ``Trainer/accumulateGradBatches`` from epoch to epoch, as Lightning's
/// `GradientAccumulationScheduler`:
///
///     // Epochs 0-3: every batch steps; 4-7: every 2 batches; from 8 on: every 4.
///     Trainer(callbacks: [try GradientAccumulationScheduler(scheduling: [4: 2, 8: 4])])
///
/// Epochs are 0-based; epochs before the first key accumulate 1 batch. The factor is set at
/// the start of every epoch from the epoch number alone, so a resumed run (mid-epoch
/// included) accumulates exactly as the uninterrupted one; the callback has no saved state.
///
/// As in Lightning, it cannot be used with manual optimization, nor together with the
/// trainer's own `accumulateGradBatches` (refused at the start of `fit`, on every rank).
public final class GradientAccumulationScheduler: Callback {
    /// The accumulation factor from each epoch on (epoch 0 included).
    public let scheduling: [Int: Int]
    private let epochs: [Int]

    /// - Throws: ``TrainerError`` for an empty schedule, a negative epoch or a factor below 1.
    public init(scheduling: [Int: Int]) throws {
        try TrainerError.require(!scheduling.isEmpty,
            "GradientAccumulationScheduler needs a schedule: give at least one epoch and its factor, like [4: 2]")
        try TrainerError.require(scheduling.keys.allSatisfy { $0 >= 0 },
            "GradientAccumulationScheduler: epochs are counted from 0 and cannot be negative, got \(scheduling.keys.sorted())")
        try TrainerError.require(scheduling.values.allSatisfy { $0 >= 1 },
            "GradientAccumulationScheduler: every accumulation factor must be at least 1, got \(scheduling.keys.sorted().map { scheduling[$0]! })")
        var complete = scheduling
        if complete[0] == nil { complete[0] = 1 }
        self.scheduling = complete
        epochs = complete.keys.sorted()
    }

    /// The number of batches accumulated per optimizer step in `epoch`.
    public func accumulateGradBatches(epoch: Int) -> Int {
        guard let start = epochs.last(where: { epoch >= $0 }) else { return 1 }
        return scheduling[start]!
    }

    public func onFitStart(_ trainer: Trainer, _ module: any TrainingModule) throws {
        try TrainerError.require(module.automaticOptimization,
            "automatic gradient accumulation and the GradientAccumulationScheduler are not supported for manual "
            + "optimization: remove the callback or switch to automatic optimization")
        try TrainerError.require(trainer.initialAccumulateGradBatches == 1,
            "you have set accumulateGradBatches (\(trainer.initialAccumulateGradBatches)) and are using the "
            + "GradientAccumulationScheduler callback: either remove accumulateGradBatches from the Trainer or remove the callback")
    }

    public func onTrainEpochStart(_ trainer: Trainer, _ module: any TrainingModule) throws {
        trainer.accumulateGradBatches = accumulateGradBatches(epoch: trainer.currentEpoch)
    }
}
