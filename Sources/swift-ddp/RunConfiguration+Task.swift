import DDPTasks

extension RunConfiguration {
    /// What the task is built from, for a job of `worldSize` ranks.
    func taskSettings(worldSize: Int) -> TaskSettings {
        var taskSettings = settings
        taskSettings.worldSize = worldSize
        return taskSettings
    }

    /// The callbacks the options ask for (`model-summary`, `early-stopping-patience`,
    /// `log-lr`, `log-grad-norm`), which run before the checkpoint callbacks, as in Lightning,
    /// after the line saying how gradients are averaged over several ranks.
    var monitoringCallbacks: [any Callback] {
        var callbacks: [any Callback] = [GradientSyncReport()]
        if settings.trainer.modelSummary { callbacks.append(ModelSummary()) }
        if let patience = settings.trainer.earlyStoppingPatience {
            callbacks.append(EarlyStopping(monitor: "val_loss", minDelta: settings.trainer.earlyStoppingMinDelta ?? 0, patience: patience))
        }
        if settings.trainer.logLr { callbacks.append(LearningRateMonitor(loggingInterval: .step)) }
        if settings.trainer.logGradNorm { callbacks.append(GradientNormMonitor()) }
        return callbacks
    }

    /// The trainer this configuration describes for `task`, on `communicator`.
    func makeTrainer(
        for task: BuiltTask, communicator: any Communicator, callbacks: [any Callback], loggers: [any MetricsLogger]
    ) throws -> Trainer {
        let trainer = settings.trainer
        let interval = trainer.valCheckInterval
        return try Trainer(
            maxEpochs: settings.maxEpochs(taskDefault: task.defaultMaxEpochs), minEpochs: trainer.minEpochs,
            maxSteps: trainer.maxSteps, minSteps: trainer.minSteps, maxTime: try trainer.maxTimeLimit(),
            accumulateGradBatches: trainer.accumulateGradBatches,
            gradientClipVal: trainer.gradientClipVal,
            gradientClipAlgorithm: GradientClipAlgorithm(rawValue: trainer.gradientClipAlgorithm) ?? .norm,
            limitTrainBatches: trainBatchLimit(for: task), limitValBatches: trainer.limitValBatches?.limit ?? .all,
            limitTestBatches: trainer.limitTestBatches?.limit ?? .all, fastDevRun: trainer.fastDevRun ?? 0,
            overfitBatches: trainer.overfits ? trainer.overfitBatches?.limit : nil, numSanityValSteps: trainer.numSanityValSteps,
            valCheckInterval: interval <= 1 ? .fraction(interval) : .batches(Int(interval)),
            logEveryNSteps: trainer.logEveryNSteps, seed: trainer.seed, communicator: communicator,
            callbacks: callbacks, loggers: loggers, nonFiniteLoss: NonFiniteLossPolicy(nanPolicy: trainer.nanPolicy) ?? .stop,
            checkConsistency: trainer.checkConsistency, collectiveTimeout: trainer.collectiveTimeout,
            syncBatchNorm: trainer.syncBatchnorm, gradientCompression: trainer.gradientCompression,
            strategy: trainer.strategy)
    }

    /// How many of an epoch's batches `task` trains on: `limit-train-batches`, else the task's default.
    func trainBatchLimit(for task: BuiltTask) -> BatchLimit {
        settings.trainer.limitTrainBatches?.limit ?? task.defaultTrainBatchLimit.map(BatchLimit.count) ?? .all
    }

    /// Where and when checkpoints are written, and what the run starts from.
    func checkpointPlan(for purpose: CheckpointPlan.Purpose) -> CheckpointPlan {
        CheckpointPlan(purpose: purpose, directory: resolvedCheckpointDir, everyNSteps: settings.trainer.checkpointEveryNSteps,
                       resumeFrom: settings.trainer.resume, forceResume: settings.trainer.forceResume)
    }
}
