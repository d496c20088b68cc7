/// Lightning 1.x's rules for optimizer and scheduler `frequency` in automatic optimization
/// (`_get_active_optimizers` and `update_lr_schedulers` of pytorch-lightning 1.9.5).
extension Trainer {
    /// The optimizers used at batch `index`: all of them, or with frequencies the one whose
    /// turn it is, optimizer i for `frequency[i]` consecutive batches of the cycle
    /// `index % sum(frequencies)`.
    func activeOptimizerIndices(atBatch index: Int) -> Range<Int> {
        guard let frequencies = optimizerFrequencies else { return optimizers.indices }
        var place = index % frequencies.reduce(0, +)
        for (optimizer, frequency) in frequencies.enumerated() {
            if place < frequency { return optimizer..<(optimizer + 1) }
            place -= frequency
        }
        return 0..<0
    }

    /// Whether this batch ends an accumulation window (the epoch's last batch closes its
    /// window, as in Lightning): only then do optimizers and step-interval schedulers step.
    var closesAccumulationWindow: Bool {
        (batchIndex + 1) % accumulateGradBatches == 0 || isLastBatch
    }

    /// Whether `entry`'s scheduler is due now, at the end of a batch (`.step`) or an epoch.
    func schedulerIsDue(_ entry: ResolvedScheduler) -> Bool {
        // Lightning considers the schedulers of the optimizers active at the batch index
        // counted over the whole fit (`total_batch_idx`), though it picks the optimizer by the
        // in-epoch index: after an epoch whose length is not a multiple of the cycle the two
        // differ, and a scheduler may step in a batch where its optimizer did not.
        let globalBatchIndex = max(batchesSeen - 1, 0)
        guard activeOptimizerIndices(atBatch: globalBatchIndex).contains(entry.optimizerIndex) else { return false }
        let frequency = entry.configuration.frequency
        switch entry.configuration.interval {
        case .step:
            // A batch whose steps were all skipped (`nonFiniteLoss: .skip`, or no rank had a
            // loss) did not advance `globalStep`, so it steps no scheduler either.
            return closesAccumulationWindow && batchSteps.anyStepped && (batchIndex + 1) % frequency == 0
        case .epoch: return (currentEpoch + 1) % frequency == 0
        }
    }
}
