import DDPData
import DDPDistributed
import DDPNN
import DDPOptim
import DDPTensor

extension Trainer {
    /// Trains `module` on `train` (validating on `validation` after every epoch, or as
    /// `valCheckInterval` says) until `maxEpochs`, `maxSteps` or `shouldStop`.
    ///
    /// The loaders are sharded over the ranks: each rank reads its share of every global batch
    /// (the training remainder padded as the loader says, validation samples each read once).
    ///
    /// With `checkpointPath` (a checkpoint file, or `"last"` for the `last.safetensors` of the
    /// ``ModelCheckpoint`` callback), the run saved there continues exactly, mid-epoch
    /// included: weights, optimizer and scheduler states, callback states, counters, random
    /// streams and the position in the data. On another number of ranks it continues with the
    /// same global batches (and says so). A checkpoint of another run shape (seed, global
    /// batch size, training set, accumulation, exact configuration keys) is refused unless
    /// `forceResume`; one of another model is always refused.
    ///
    /// A collective: every rank calls it with the same module structure and data sizes.
    /// - Throws: a configuration mistake (``TrainerError``), a model that differs between ranks
    ///   (`ModelMismatchError`, on every rank), a checkpoint that cannot be resumed
    ///   (``CheckpointError``), or whatever the module throws.
    public func fit<Module: TrainingModule>(
        _ module: Module, train: DataLoader, validation: DataLoader? = nil,
        checkpointPath: String? = nil, forceResume: Bool = false
    ) throws {
        try randomStream.makeCurrent {
            try fitWithStream(module, train: train, validation: validation,
                              checkpointPath: checkpointPath, forceResume: forceResume)
        }
    }

    /// ``fit(_:train:validation:checkpointPath:forceResume:)`` with this rank's stream current.
    private func fitWithStream<Module: TrainingModule>(
        _ module: Module, train: DataLoader, validation: DataLoader?, checkpointPath: String?, forceResume: Bool
    ) throws {
        try attach(module)
        watchdog = startWatchdog()
        var finished = false
        defer {
            watchdog?.stop()
            watchdog = nil
            detach(module)
            linkBatchNormStatistics(of: module, overRanks: false)
            bufferBroadcast = nil
            trainingLoader = nil
            self.module = nil
            runShape = nil
            metrics.stage = .idle
            progress = nil
            // On an error, still flush what was logged (the first error is the one reported).
            if !finished && isGlobalZero { for logger in loggers { try? logger.finish() } }
        }
        self.module = module
        try callSetupHooks(module, .fit)
        try setUp(module)
        let trainLoader = try overfittingOrder(of: train.sharded(rank: rank, worldSize: worldSize))
        trainingLoader = trainLoader
        let validationLoader = try validation?.sharded(rank: rank, worldSize: worldSize, remainder: .uneven)
        numTrainingBatches = limitTrainBatches.batches(of: trainLoader.batchesPerEpoch)
        numValidationBatches = validationLoader.map { limitValBatches.batches(of: $0.batchesPerEpoch) } ?? 0
        if case .batches(let every) = valCheckInterval, numValidationBatches > 0 {
            try TrainerError.require(every <= numTrainingBatches,
                "valCheckInterval (\(every) batches) must be at most the number of training batches per epoch (\(numTrainingBatches)), or validation never runs: give a smaller number or a fraction of an epoch")
        }
        runShape = RunShape(
            worldSize: worldSize, globalBatchSize: trainLoader.globalBatchSize, seed: seed,
            dataOrderSeed: trainLoader.sampler.shuffle ? train.sampler.seed : nil,
            trainingSetSize: train.dataset.count, accumulateGradBatches: accumulateGradBatches)
        var firstBatch = 0
        resumeNotes = []
        if let checkpointPath {
            let path = try resolveCheckpointPath(checkpointPath)
            firstBatch = try restore(try Checkpoint.read(from: path), source: path, module: module, force: forceResume)
        }
        resumePoint = (currentEpoch, firstBatch)
        for case let saver as ModelCheckpoint in callbacks where !isFastDevRun {
            saver.removeLeftovers(trainer: self, resumed: checkpointPath != nil)
        }
        if enableProgressBar && isGlobalZero {
            progress = ProgressReporter(totalEpochs: maxEpochs == Int.max ? nil : maxEpochs)
        }

        for callback in callbacks { try callback.onFitStart(self, module) }
        try module.onFitStart()
        try checkValidationBeforeTraining(module, loader: validationLoader, resuming: checkpointPath != nil)
        // As Lightning, no onTrainStart/onTrainEnd when there is nothing to train.
        let trains = currentEpoch < maxEpochs && !stopsNow && !reachedMaxSteps && numTrainingBatches > 0
        if trains { try callTrainStartHooks(module) }
        while currentEpoch < maxEpochs && !stopsNow && !reachedMaxSteps {
            try trainEpoch(module, loader: trainLoader, validation: validationLoader, startingAt: firstBatch)
            firstBatch = 0
            currentEpoch += 1
            resumePoint = (currentEpoch, 0)
            try reachCheckpointBoundary(.epochEnd)
            noteProgress()
        }
        try reachCheckpointBoundary(.fitEnd)
        if trains { try callTrainEndHooks(module) }
        for callback in callbacks { try callback.onFitEnd(self, module) }
        try module.onFitEnd()
        try callTeardownHooks(module, .fit)
        finished = true
        if isGlobalZero { for logger in loggers { try logger.finish() } }
    }

    /// Configures optimizers and schedulers, checks the model is the same on every rank and
    /// takes rank 0's parameters, buffers and optimizer states, and prepares gradient sync.
    func setUp(_ module: some TrainingModule) throws {
        optimizationMode = module.automaticOptimization ? .automatic : .manual
        let automatic = optimizationMode == .automatic
        accumulateGradBatches = initialAccumulateGradBatches
        if !automatic { try refuseAutomaticOptionsInManualOptimization() }
        let (rawOptimizers, frequencies, schedulers) = try module.configureOptimizers().resolved(automatic: automatic)
        optimizers = try rawOptimizers.enumerated().map { index, optimizer in
            let shard = strategy == .zero1 ? try ZeroRedundancyShard(optimizer, communicator: communicator) : nil
            return ManagedOptimizer(optimizer, index: index, trainer: self, shard: shard)
        }
        // Manual optimization ignores frequencies and scheduler rules, as Lightning does.
        optimizerFrequencies = automatic ? frequencies : nil
        resolvedSchedulers = schedulers

        let buffers = module.namedBuffers()
        if worldSize > 1 {
            let namedShapes = module.namedParameters().map { ($0.name, $0.tensor.shape) }
                + buffers.map { ("buffer " + $0.name, $0.tensor.shape) }
            try verifySameModel(namedShapes: namedShapes, communicator: communicator)
            broadcastParameters(module.parameters() + buffers.map(\.tensor), communicator: communicator)
            for managed in optimizers { try broadcastState(of: managed.optimizer, communicator: communicator) }
        }
        for managed in optimizers { managed.shard?.dropForeignState() }
        if let seed { randomStream.generator = RandomGenerator(seed: Self.rankStreamSeed(seed, rank: rank)) }
        let optimizerParameters = optimizers.map { $0.optimizer.allParameters }
        gradientSynchronization = GradientSynchronization(
            optimizerParameters: optimizerParameters, registrationOrder: module.parameters(),
            communicator: communicator, compression: gradientCompression)
        automaticOptimization.prepare(optimizerCount: optimizers.count)
        toggling.prepare(optimizerParameters: optimizerParameters)
        let bufferTensors = buffers.map(\.tensor)
        audit = checkConsistency.map {
            ParameterAudit(parameters: module.parameters(), buffers: bufferTensors, communicator: communicator, interval: $0)
        }
        manualOptimization.prepare(replicaAudit: !automatic && worldSize > 1
            ? ParameterAudit(parameters: module.parameters(), buffers: bufferTensors, communicator: communicator, interval: 1) : nil)
        bufferBroadcast = worldSize > 1 && !buffers.isEmpty ? BufferBroadcast(buffers: bufferTensors, communicator: communicator) : nil
        linkBatchNormStatistics(of: module, overRanks: syncBatchNorm && worldSize > 1)
    }

    /// Makes every BatchNorm of `module` compute its training statistics over all ranks'
    /// batches (SyncBatchNorm), or over its own batch again.
    func linkBatchNormStatistics(of module: some TrainingModule, overRanks: Bool) {
        let communicator = self.communicator
        for case let batchNorm as BatchNormalization in module.modules() {
            batchNorm.statisticsReduction = overRanks ? { communicator.allReduce($0, .sum) } : nil
        }
    }

    /// The trainer's clipping and accumulation apply to automatic optimization only; in
    /// manual optimization the module clips and accumulates itself, so, as Lightning does,
    /// the options are refused rather than silently ignored (on every rank, before training).
    private func refuseAutomaticOptionsInManualOptimization() throws {
        if let value = gradientClipVal, value > 0 {
            throw TrainerError("automatic gradient clipping is not supported for manual optimization: remove "
                + "gradientClipVal \(value) (clip in the training step with clipGradients) or switch to automatic optimization")
        }
        try TrainerError.require(accumulateGradBatches == 1,
            "automatic gradient accumulation is not supported for manual optimization: remove accumulateGradBatches "
            + "\(accumulateGradBatches) (step every few batches in the training step) or switch to automatic optimization")
    }
}
