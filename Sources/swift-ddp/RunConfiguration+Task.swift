import DDPTasks

extension RunConfiguration {
    /// What the task is built from, for a job of `worldSize` ranks.
    func taskSettings(worldSize: Int) -> TaskSettings {
        var schedulerSettings = SchedulerSettings(name: scheduler.scheduler, interval: scheduler.schedulerInterval)
        schedulerSettings.stepSize = scheduler.stepSize
        schedulerSettings.gamma = scheduler.gamma
        schedulerSettings.milestones = scheduler.milestones?.elements
        schedulerSettings.tMax = scheduler.tMax
        schedulerSettings.etaMin = scheduler.etaMin
        schedulerSettings.t0 = scheduler.t0
        schedulerSettings.tMult = scheduler.tMult
        schedulerSettings.maxLR = scheduler.maxLr
        schedulerSettings.baseLR = scheduler.baseLr
        schedulerSettings.pctStart = scheduler.pctStart
        schedulerSettings.totalSteps = scheduler.totalSteps
        schedulerSettings.stepSizeUp = scheduler.stepSizeUp
        schedulerSettings.startFactor = scheduler.startFactor
        schedulerSettings.endFactor = scheduler.endFactor
        schedulerSettings.factor = scheduler.factor
        schedulerSettings.totalIters = scheduler.totalIters
        schedulerSettings.power = scheduler.power
        schedulerSettings.patience = scheduler.patience
        schedulerSettings.threshold = scheduler.threshold
        schedulerSettings.monitor = scheduler.monitor
        schedulerSettings.mode = scheduler.mode
        let optimizerSettings = OptimizerSettings(
            name: optimizer.optimizer, lr: optimizer.lr, momentum: optimizer.momentum, dampening: optimizer.dampening, nesterov: optimizer.nesterov,
            weightDecay: optimizer.weightDecay, betas: optimizer.betas?.elements, eps: optimizer.eps, amsgrad: optimizer.amsgrad, alpha: optimizer.alpha, rho: optimizer.rho,
            lrDecay: optimizer.lrDecay, maxIter: optimizer.maxIter, historySize: optimizer.historySize, lineSearch: optimizer.lineSearch)
        let dataSettings = DataSettings(path: data.data, labelColumn: data.labelColumn, validationFraction: data.valSplit,
                                        shuffle: data.shuffle, seed: trainer.seed)
        let adversarialSettings = AdversarialSettings(
            optimization: adversarial.optimization, ganData: adversarial.ganData, generatorFrequency: adversarial.generatorFrequency,
            discriminatorFrequency: adversarial.discriminatorFrequency, optimizers: adversarial.optimizers, generatorALearningRate: adversarial.lrGA,
            generatorBLearningRate: adversarial.lrGB, discriminatorALearningRate: adversarial.lrDA, discriminatorBLearningRate: adversarial.lrDB,
            transform: adversarial.transform, decaySteps: adversarial.decaySteps, decayRate: adversarial.decayRate)
        return TaskSettings(
            task: task.task, model: task.model, hidden: task.hidden?.elements, classes: task.classes, optimizer: optimizerSettings,
            scheduler: schedulerSettings, data: dataSettings, adversarial: adversarialSettings, initFrom: task.initFrom,
            seed: trainer.seed, batchSize: trainer.batchSize, maxEpochs: trainer.maxEpochs, maxSteps: trainer.maxSteps,
            accumulateGradBatches: trainer.accumulateGradBatches, worldSize: worldSize)
    }

    /// The trainer this configuration describes, on `communicator`.
    func makeTrainer(communicator: any Communicator, callbacks: [any Callback], loggers: [any MetricsLogger]) throws -> Trainer {
        let interval = trainer.valCheckInterval
        return try Trainer(
            maxEpochs: trainer.maxEpochs, maxSteps: trainer.maxSteps, accumulateGradBatches: trainer.accumulateGradBatches,
            gradientClipVal: trainer.gradientClipVal,
            gradientClipAlgorithm: GradientClipAlgorithm(rawValue: trainer.gradientClipAlgorithm) ?? .norm,
            limitTrainBatches: trainer.limitTrainBatches?.limit ?? .all, limitValBatches: trainer.limitValBatches?.limit ?? .all,
            valCheckInterval: interval <= 1 ? .fraction(interval) : .batches(Int(interval)),
            logEveryNSteps: trainer.logEveryNSteps, seed: trainer.seed, communicator: communicator,
            callbacks: callbacks, loggers: loggers, checkConsistency: trainer.checkConsistency)
    }

    /// Where and when checkpoints are written, and what the run starts from.
    func checkpointPlan(for purpose: CheckpointPlan.Purpose) -> CheckpointPlan {
        CheckpointPlan(purpose: purpose, directory: resolvedCheckpointDir, everyNSteps: trainer.checkpointEveryNSteps,
                       resumeFrom: trainer.resume, forceResume: trainer.forceResume)
    }
}
