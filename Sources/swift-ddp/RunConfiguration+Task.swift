import DDPTasks

extension RunConfiguration {
    /// What the task is built from, for a job of `worldSize` ranks.
    func taskSettings(worldSize: Int) -> TaskSettings {
        var scheduler = SchedulerSettings(name: self.scheduler, interval: value(\.schedulerInterval))
        scheduler.stepSize = stepSize
        scheduler.gamma = gamma
        scheduler.milestones = milestones
        scheduler.tMax = tMax
        scheduler.etaMin = etaMin
        scheduler.t0 = t0
        scheduler.tMult = tMult
        scheduler.maxLR = maxLr
        scheduler.baseLR = baseLr
        scheduler.pctStart = pctStart
        scheduler.totalSteps = totalSteps
        scheduler.stepSizeUp = stepSizeUp
        scheduler.startFactor = startFactor
        scheduler.endFactor = endFactor
        scheduler.factor = factor
        scheduler.totalIters = totalIters
        scheduler.power = power
        scheduler.patience = patience
        scheduler.threshold = threshold
        scheduler.monitor = monitor
        scheduler.mode = mode
        let optimizer = OptimizerSettings(
            name: self.optimizer, lr: lr, momentum: momentum, dampening: dampening, nesterov: nesterov,
            weightDecay: weightDecay, betas: betas, eps: eps, amsgrad: amsgrad, alpha: alpha, rho: rho,
            lrDecay: lrDecay, maxIter: maxIter, historySize: historySize, lineSearch: lineSearch)
        let data = DataSettings(path: self.data, labelColumn: labelColumn, validationFraction: value(\.valSplit),
                                shuffle: value(\.shuffle), seed: value(\.seed))
        let adversarial = AdversarialSettings(
            optimization: optimization, ganData: ganData, generatorFrequency: generatorFrequency,
            discriminatorFrequency: discriminatorFrequency, optimizers: optimizers, generatorALearningRate: lrGA,
            generatorBLearningRate: lrGB, discriminatorALearningRate: lrDA, discriminatorBLearningRate: lrDB,
            transform: transform, decaySteps: decaySteps, decayRate: decayRate)
        return TaskSettings(
            task: value(\.task), model: model, hidden: hidden, classes: classes, optimizer: optimizer,
            scheduler: scheduler, data: data, adversarial: adversarial, initFrom: initFrom, seed: value(\.seed), batchSize: batchSize,
            maxEpochs: value(\.maxEpochs), maxSteps: maxSteps, accumulateGradBatches: value(\.accumulateGradBatches),
            worldSize: worldSize)
    }

    /// The trainer this configuration describes, on `communicator`.
    func makeTrainer(communicator: any Communicator, callbacks: [any Callback], loggers: [any MetricsLogger]) throws -> Trainer {
        let interval = value(\.valCheckInterval)
        return try Trainer(
            maxEpochs: value(\.maxEpochs), maxSteps: maxSteps, accumulateGradBatches: value(\.accumulateGradBatches),
            gradientClipVal: gradientClipVal, gradientClipAlgorithm: GradientClipAlgorithm(rawValue: value(\.gradientClipAlgorithm)) ?? .norm,
            valCheckInterval: interval <= 1 ? .fraction(interval) : .batches(Int(interval)),
            logEveryNSteps: value(\.logEveryNSteps), seed: value(\.seed), communicator: communicator,
            callbacks: callbacks, loggers: loggers, checkConsistency: checkConsistency)
    }

    /// Where and when checkpoints are written, and what the run starts from.
    func checkpointPlan(for purpose: CheckpointPlan.Purpose) -> CheckpointPlan {
        CheckpointPlan(purpose: purpose, directory: resolvedCheckpointDir, everyNSteps: checkpointEveryNSteps,
                       resumeFrom: resume, forceResume: value(\.forceResume))
    }
}
