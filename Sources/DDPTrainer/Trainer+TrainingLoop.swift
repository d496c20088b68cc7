import DDPData
import DDPDistributed
import DDPOptim
import DDPTensor

/// The training loop of one epoch, in PyTorch Lightning 2.6's order of events (recorded by
/// Tests/Reference/lightning_epoch_end_order.py; docs/training-loop.md lists it). Callbacks'
/// hooks run before the module's, except that at a training epoch's end the callbacks that
/// monitor metrics (early stopping, checkpoints) run after it, so that they see what the
/// module logged there.
extension Trainer {
    /// One training epoch, with the validation runs that fall in it, from batch `firstBatch`
    /// (later than 0 when resuming mid-epoch).
    func trainEpoch(_ module: some TrainingModule, loader: DataLoader, validation: DataLoader?, startingAt firstBatch: Int = 0) throws {
        module.train()
        metrics.stage = .training
        for callback in callbacks { try callback.onTrainEpochStart(self, module) }
        try module.onTrainEpochStart()

        let batches = loader.batches(epoch: currentEpoch, skippingBatches: firstBatch).makeIterator()
        var index = firstBatch
        progress?.startEpoch(currentEpoch, batches: numTrainingBatches)
        while index < numTrainingBatches, let batch = batches.next() {
            batchIndex = index
            isLastBatch = index == numTrainingBatches - 1
            try trainBatch(module, batch)
            noteProgress()
            progress?.update(batch: index + 1, metrics: progressBarMetrics.map { ($0.name, $0.value) })
            if let validation, shouldValidate(afterBatch: index) {
                try validate(module, loader: validation)
            }
            // A plateau scheduler stepped per batch monitors what that validation logged.
            try stepSchedulers(.step, metricDriven: true)
            try reachCheckpointBoundary(.batchEnd(stepped: batchSteps.anyStepped, lastOfEpoch: index + 1 == numTrainingBatches))
            index += 1
            if stopsNow || reachedMaxSteps { break }
        }
        try endTrainEpoch(module, allBatchesTrained: index >= numTrainingBatches)
    }

    /// The end of a training epoch: the epoch means are computed (callbacks read them), the
    /// epoch-end hooks run, plateau schedulers step on the epoch's fresh metrics, and only then
    /// are the epoch means logged.
    private func endTrainEpoch(_ module: some TrainingModule, allBatchesTrained: Bool) throws {
        let epochValues = try metrics.finishEpoch(.training, communicator: communicator)
        progress?.endEpoch(metrics: progressBarMetrics.map { ($0.name, $0.value) })
        let monitoring = callbacks.filter(Self.monitorsMetrics)
        for callback in callbacks where !Self.monitorsMetrics(callback) { try callback.onTrainEpochEnd(self, module) }
        try module.onTrainEpochEnd()
        for callback in monitoring { try callback.onTrainEpochEnd(self, module) }
        // Epoch-interval schedulers step only after a whole epoch (the others did at its last batch).
        if allBatchesTrained { try stepSchedulers(.epoch, metricDriven: true) }
        try record(epochValues + skippedStepsValues)
        // Stopping is decided on shared numbers, but a rank-local decision must not split the job.
        if worldSize > 1 {
            var flag = [shouldStop ? 1.0 : 0.0]
            flag.withUnsafeMutableBufferPointer { communicator.allReduce($0, .max) }
            shouldStop = flag[0] > 0
        }
    }

    /// Lightning's monitoring callbacks: those that decide on logged metrics.
    private static func monitorsMetrics(_ callback: any Callback) -> Bool {
        callback is EarlyStopping || callback is ModelCheckpoint
    }

    /// One training batch: the optimization, counters, the schedulers due (epoch-interval
    /// ones at the epoch's last batch, plateau ones after validation), the batch-end hooks,
    /// then the step metrics.
    func trainBatch(_ module: some TrainingModule, _ batch: Batch) throws {
        metrics.currentBatchSize = batch.count
        for callback in callbacks { try callback.onTrainBatchStart(self, module, batch: batch, batchIndex: batchIndex) }
        try module.onTrainBatchStart(batch, batchIndex: batchIndex)

        batchSteps.startBatch()
        switch optimizationMode {
        case .automatic:
            try optimizeAutomatically(module, batch)
        case .manual:
            _ = try module.trainingStep(batch, batchIndex: batchIndex, optimizerIndex: 0)
        }
        // PyTorch DDP broadcasts rank 0's buffers before each training forward; doing it after
        // the batch instead leaves rank 0's values the same (it keeps its own) and every rank
        // identical wherever buffers are read: validation, checkpoints, the audit.
        bufferBroadcast?.broadcast()
        if optimizationMode == .manual {
            try manualOptimization.checkReplicas(step: globalStep, epoch: currentEpoch, batchIndex: batchIndex)
        }
        batchesSeen += 1
        samplesSeen += batch.count * worldSize
        let stepped = batchSteps.anyStepped
        if stepped { globalStep += 1 }
        // From here on this batch is trained: a checkpoint continues after it.
        resumePoint = (currentEpoch, batchIndex + 1)

        try stepSchedulers(.step, metricDriven: false)
        if isLastBatch { try stepSchedulers(.epoch, metricDriven: false) }
        if stepped, let audit { try audit.check(step: globalStep) }
        // Computed before the hooks (they read `callbackMetrics`), logged after them.
        let stepValues = metrics.finishStep(communicator: communicator)
        try checkMonitoredMetrics()
        for callback in callbacks { try callback.onTrainBatchEnd(self, module, batch: batch, batchIndex: batchIndex) }
        try module.onTrainBatchEnd(batch, batchIndex: batchIndex)
        if stepped && globalStep % logEveryNSteps == 0 { try record(stepValues) }
    }

    /// At the interval's batches, and (as Lightning) at the batch after which a stop request ends training.
    private func shouldValidate(afterBatch index: Int) -> Bool {
        numValidationBatches > 0
            && (currentEpoch + 1) % checkValEveryNEpoch == 0
            && (valCheckInterval.isCheckpoint(batchIndex: index, batchCount: numTrainingBatches) || stopsNow)
    }

    /// Runs the validation loop: `eval()` mode, no gradients, metrics averaged over ranks,
    /// computed before the epoch-end hooks (which read them) and logged after them.
    func validate(_ module: some TrainingModule, loader: DataLoader) throws {
        let wasTraining = module.isTraining
        module.eval()
        metrics.stage = .validation
        for callback in callbacks { try callback.onValidationEpochStart(self, module) }
        try module.onValidationEpochStart()
        try noGrad {
            let batches = loader.batches(epoch: 0).makeIterator()
            var index = 0
            while index < numValidationBatches, let batch = batches.next() {
                metrics.currentBatchSize = batch.count
                try module.validationStep(batch, batchIndex: index)
                noteProgress()
                validationBatchesSeen += 1
                index += 1
            }
        }
        metrics.discardStep()
        let values = try metrics.finishEpoch(.validation, communicator: communicator)
        for callback in callbacks { try callback.onValidationEpochEnd(self, module) }
        try module.onValidationEpochEnd()
        try record(values)
        module.train(wasTraining)
        metrics.stage = .training
    }

    /// Keeps a logging event at the last completed step (and, on rank 0, hands it to the loggers).
    func record(_ values: [MetricValue]) throws {
        try recordDirectly(values, step: max(globalStep - 1, 0))
    }

    /// Logs values straight to the loggers at `step`, outside the module's metrics (learning rates).
    public func recordDirectly(_ values: [MetricValue], step: Int) throws {
        guard !values.isEmpty else { return }
        let event = MetricsRecord(step: step, epoch: currentEpoch, values: values)
        if keepsLoggedEvents { loggedEvents.append(event) }
        if isGlobalZero {
            for logger in loggers { try logger.record(event) }
        }
    }

    /// The logged value of `name` that `user` decides on; a missing one is an error when
    /// `strict`, else `nil` (the decision is skipped).
    public func monitoredMetric(_ name: String, by user: String, strict: Bool) throws -> Double? {
        if let value = callbackMetrics[name] { return value }
        guard strict else { return nil }
        let available = callbackMetrics.keys.sorted().joined(separator: ", ")
        throw TrainerError("\(user) monitors '\(name)', which was not logged (logged: \(available.isEmpty ? "nothing" : available)): log it, or set strict: false to skip the check")
    }

    /// Steps the schedulers of `interval` that are due (automatic optimization only): the
    /// metric-driven ones (ReduceLROnPlateau) or the others, which Lightning steps at
    /// different points so that a plateau scheduler sees the metrics validation just logged.
    func stepSchedulers(_ interval: SchedulerInterval, metricDriven: Bool) throws {
        guard optimizationMode == .automatic, let module else { return }
        for entry in resolvedSchedulers where entry.configuration.interval == interval
            && (entry.scheduler is MetricDrivenScheduler) == metricDriven && schedulerIsDue(entry) {
            var metric: Double?
            if let monitor = entry.configuration.monitor {
                guard let value = try monitoredMetric(monitor, by: "\(type(of: entry.scheduler))",
                                                      strict: entry.configuration.strict) else { continue }
                metric = value
            }
            try module.lrSchedulerStep(entry.scheduler, metric: metric)
        }
    }
}
