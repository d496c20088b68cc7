import DDPData
import DDPTensor

/// Lightning's sanity check: a few validation batches before training, so that a mistake in
/// `validationStep` shows in seconds rather than after the first epoch. Nothing of it is
/// kept: its metrics are discarded and the random stream and the module's mode are as they
/// were, so a run computes the same numbers with or without it.
extension Trainer {
    /// Runs the sanity check when it is due (`numSanityValSteps` above 0, validation data,
    /// not a resume, as in Lightning), or else learns the names validation logs from one
    /// batch when something monitors them; either way the monitored names are learned.
    func checkValidationBeforeTraining(_ module: some TrainingModule, loader: DataLoader?, resuming: Bool) throws {
        guard let loader, numSanityValSteps > 0, numValidationBatches > 0, !resuming else {
            try discoverValidationMetricNames(module, loader: loader)
            return
        }
        validationMetricNames = []
        monitorsUnchecked = !strictMonitors.isEmpty
        let kept = (metrics: metrics, generator: randomStream.generator, training: module.isTraining)
        defer {
            metrics = kept.metrics
            randomStream.generator = kept.generator
            module.train(kept.training)
            sanityChecking = false
        }
        metrics = MetricStore()
        metrics.stage = .validation
        sanityChecking = true
        module.eval()
        // The validation loop's hooks run as in Lightning; callbacks that decide on metrics skip it.
        for callback in callbacks { try callback.onValidationEpochStart(self, module) }
        try module.onValidationEpochStart()
        try noGrad {
            let batches = loader.batches(epoch: 0).makeIterator()
            var index = 0
            while index < min(numSanityValSteps, numValidationBatches), let batch = batches.next() {
                metrics.currentBatchSize = batch.count
                try module.validationStep(batch, batchIndex: index)
                noteProgress()
                index += 1
            }
        }
        for callback in callbacks { try callback.onValidationEpochEnd(self, module) }
        try module.onValidationEpochEnd()
        validationMetricNames = metrics.namesToCome
    }
}
