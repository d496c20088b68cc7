import DDPNN
import DDPOptim
import DDPTensor

/// Stochastic weight averaging, as Lightning's `StochasticWeightAveraging`: from epoch
/// `swaEpochStart` on, the learning rate anneals to `swaLRs` (``SWALR``, stepped every
/// epoch, in place of the module's scheduler), the parameters are averaged at the start of
/// every epoch up to the last, and at the end of training the model takes the averaged
/// parameters. A model with BatchNorm then has its running statistics recomputed by one
/// pass over the training data (a cumulative average over the batches, in training mode).
///
///     Trainer(maxEpochs: 20, callbacks: [try StochasticWeightAveraging(swaLRs: [0.05], swaEpochStart: 15)])
///
/// As in Lightning, the average taken at the start of epoch e holds the parameters trained
/// until then, so the last epoch's training is not in it, and a run stopped before its last
/// epoch (early stopping, `maxSteps`) keeps its own parameters.
///
/// Differences from Lightning: the BatchNorm pass happens at the end of `fit` rather than as
/// an extra epoch, so it logs nothing, counts no step and runs no validation; manual
/// optimization is refused. Checkpoints keep the number of averaged models but not the
/// averaged parameters, so resuming a run whose averaging has started is refused (resume
/// from a checkpoint taken before epoch `swaEpochStart`, or start again).
///
/// The averaged weights reach the model after the last checkpoint of `fit` is written (as in
/// Lightning without BatchNorm): save the model after `fit` to keep them.
///
/// Every rank averages the same parameters, so the result is the same everywhere; after the
/// BatchNorm pass every rank takes rank 0's statistics.
public final class StochasticWeightAveraging: Callback {
    /// Where averaging starts: a 1-based epoch, or a fraction of `maxEpochs` (`0.8`: epoch
    /// `Int(0.8 * maxEpochs)`). Integer and floating-point literals both work.
    public enum EpochStart: Sendable, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
        case epoch(Int)
        case fraction(Double)
        public init(integerLiteral value: Int) { self = .epoch(value) }
        public init(floatLiteral value: Double) { self = .fraction(value) }
    }

    /// The SWA learning rate of every param group, or one for all.
    public let swaLRs: [Double]
    public let swaEpochStart: EpochStart
    /// Epochs over which the learning rate anneals to `swaLRs`.
    public let annealingEpochs: Int
    public let annealingStrategy: SWALR.AnnealStrategy

    /// Models averaged so far (Lightning's `n_averaged`).
    public private(set) var averagedCount = 0
    /// The epoch whose start last updated the average (-1: none).
    public private(set) var latestUpdateEpoch = -1
    /// The averaged parameters, in the module's parameter order.
    public private(set) var averagedParameters: [Tensor] = []
    /// The scheduler that replaced the module's once averaging started.
    public private(set) var scheduler: SWALR?

    /// 0-based first and last epochs of averaging (`Int.max`: no last epoch).
    private var firstEpoch = 0
    private var lastEpoch = Int.max
    private var initialized = false
    private var containsBatchNorm = false

    /// - Throws: ``TrainerError`` for a start that is not a positive epoch or a fraction in
    ///   [0, 1], a learning rate that is not positive, or a negative number of annealing epochs.
    public init(swaLRs: [Double], swaEpochStart: EpochStart = 0.8, annealingEpochs: Int = 10,
                annealingStrategy: SWALR.AnnealStrategy = .cos) throws {
        switch swaEpochStart {
        case .epoch(let epoch):
            try TrainerError.require(epoch >= 1, "swaEpochStart should be a >0 integer or a float between 0 and 1, got \(epoch)")
        case .fraction(let fraction):
            try TrainerError.require((0...1).contains(fraction), "swaEpochStart should be a >0 integer or a float between 0 and 1, got \(fraction)")
        }
        try TrainerError.require(!swaLRs.isEmpty && swaLRs.allSatisfy { $0 > 0 && $0.isFinite },
            "swaLRs should be one positive learning rate, or one per param group, got \(swaLRs)")
        try TrainerError.require(annealingEpochs >= 0, "annealingEpochs must be >= 0, got \(annealingEpochs)")
        self.swaLRs = swaLRs
        self.swaEpochStart = swaEpochStart
        self.annealingEpochs = annealingEpochs
        self.annealingStrategy = annealingStrategy
    }

    /// Whether training runs until a last epoch (not `maxSteps` alone).
    private func hasLastEpoch(_ trainer: Trainer) -> Bool { trainer.maxEpochs != Int.max }

    public func onFitStart(_ trainer: Trainer, _ module: any TrainingModule) throws {
        try TrainerError.require(module.automaticOptimization,
            "StochasticWeightAveraging needs automatic optimization (its BatchNorm pass and scheduler are the trainer's): remove the callback or switch to automatic optimization")
        try TrainerError.require(trainer.optimizers.count == 1,
            "StochasticWeightAveraging works with 1 optimizer, configureOptimizers() returned \(trainer.optimizers.count)")
        try TrainerError.require(trainer.resolvedSchedulers.count <= 1,
            "StochasticWeightAveraging is not supported with more than 1 scheduler, configureOptimizers() returned \(trainer.resolvedSchedulers.count)")
        let groups = trainer.optimizers[0].optimizer.paramGroups.count
        try TrainerError.require(swaLRs.count == 1 || swaLRs.count == groups,
            "StochasticWeightAveraging has \(swaLRs.count) swaLRs for \(groups) param groups: give one for all, or one per group")
        let start: Int
        switch swaEpochStart {
        case .epoch(let epoch): start = epoch
        case .fraction(let fraction):
            try TrainerError.require(hasLastEpoch(trainer),
                "StochasticWeightAveraging with a fractional swaEpochStart needs maxEpochs: give maxEpochs or an integer swaEpochStart")
            start = Int(Double(trainer.maxEpochs) * fraction)
        }
        firstEpoch = max(start - 1, 0)
        lastEpoch = hasLastEpoch(trainer) ? trainer.maxEpochs - 1 : Int.max
        containsBatchNorm = module.modules().contains { $0 is BatchNormalization }
        initialized = false
        scheduler = nil
        averagedCount = 0
        latestUpdateEpoch = -1
        // As Lightning's copy of the module at setup: what the average starts from.
        averagedParameters = module.parameters().map { $0.copy() }
    }

    public func onTrainEpochStart(_ trainer: Trainer, _ module: any TrainingModule) throws {
        let epoch = trainer.currentEpoch
        guard firstEpoch <= epoch && epoch <= lastEpoch else { return }
        if !initialized {
            initialized = true
            try startAnnealing(trainer)
        }
        if epoch > latestUpdateEpoch {
            average(module.parameters())
            latestUpdateEpoch = epoch
        }
    }

    /// Puts ``SWALR`` in place of the module's scheduler (or adds it), stepped every epoch.
    private func startAnnealing(_ trainer: Trainer) throws {
        let optimizer = trainer.optimizers[0].optimizer
        let lrs = swaLRs.count == 1 ? Array(repeating: swaLRs[0], count: optimizer.paramGroups.count) : swaLRs
        for (index, lr) in lrs.enumerated() { optimizer.paramGroups[index]["initial_lr"] = .number(lr) }
        // Lightning passes its (BatchNorm-extended) max_epochs as last_epoch for cosine annealing.
        let schedulerLastEpoch = annealingStrategy == .cos && hasLastEpoch(trainer) ? trainer.maxEpochs + (containsBatchNorm ? 1 : 0) : -1
        let swa = try SWALR(optimizer, swaLRs: lrs, annealEpochs: annealingEpochs, annealStrategy: annealingStrategy,
                            lastEpoch: schedulerLastEpoch)
        scheduler = swa
        let entry = ResolvedScheduler(configuration: SchedulerConfiguration(swa, interval: .epoch, frequency: 1), optimizerIndex: 0)
        if trainer.resolvedSchedulers.isEmpty {
            trainer.resolvedSchedulers.append(entry)
        } else {
            trainer.resolvedSchedulers[0] = entry
        }
    }

    /// Adds `parameters` to the running average (torch's equally weighted `avg_fn`).
    private func average(_ parameters: [Tensor]) {
        for (averaged, parameter) in zip(averagedParameters, parameters) {
            if averagedCount == 0 {
                averaged.assign(parameter)
            } else {
                let models = Float(averagedCount + 1)
                for i in 0..<averaged.count {
                    averaged.data[i] = averaged.data[i] + (parameter.data[i] - averaged.data[i]) / models
                }
            }
        }
        averagedCount += 1
    }

    public func onFitEnd(_ trainer: Trainer, _ module: any TrainingModule) throws {
        // `currentEpoch` is one past the last epoch trained.
        let trainedToTheEnd = trainer.currentEpoch - 1 == lastEpoch
        guard trainedToTheEnd || !hasLastEpoch(trainer) else { return }
        for (parameter, averaged) in zip(module.parameters(), averagedParameters) { parameter.assign(averaged) }
        if containsBatchNorm && trainedToTheEnd { try recomputeBatchNormStatistics(trainer, module) }
    }

    /// One pass over this rank's training batches in training mode, without gradients, with
    /// every BatchNorm's running statistics reset to a cumulative average; then every rank
    /// takes rank 0's. What the module logs meanwhile is dropped.
    private func recomputeBatchNormStatistics(_ trainer: Trainer, _ module: any TrainingModule) throws {
        guard let loader = trainer.trainingLoader else { return }
        let batchNorms = module.modules().compactMap { $0 as? BatchNormalization }
        let momenta = batchNorms.map(\.momentum)
        for batchNorm in batchNorms {
            batchNorm.runningMean?.fill(0)
            batchNorm.runningVariance?.fill(1)
            batchNorm.batchesTracked?.fill(0)
            batchNorm.momentum = nil
        }
        let keptMetrics = trainer.metrics
        let wasTraining = module.isTraining
        trainer.metrics = MetricStore()
        defer {
            trainer.metrics = keptMetrics
            module.train(wasTraining)
            for (batchNorm, momentum) in zip(batchNorms, momenta) { batchNorm.momentum = momentum }
        }
        module.train()
        try noGrad {
            var index = 0
            for batch in loader.batches(epoch: trainer.currentEpoch) where index < trainer.numTrainingBatches {
                _ = try module.trainingStep(batch, batchIndex: index, optimizerIndex: 0)
                index += 1
            }
        }
        trainer.bufferBroadcast?.broadcast()
    }

    public func stateDict() -> [String: Double] {
        ["n_averaged": Double(averagedCount), "latest_update_epoch": Double(latestUpdateEpoch)]
    }

    public func load(stateDict: [String: Double]) throws {
        guard let count = stateDict["n_averaged"].flatMap({ Int(exactly: $0) }),
              let latest = stateDict["latest_update_epoch"].flatMap({ Int(exactly: $0) }) else {
            throw TrainerError("StochasticWeightAveraging state has no whole n_averaged or latest_update_epoch: it was saved by another callback or is corrupted")
        }
        try TrainerError.require(count == 0,
            "this checkpoint was saved after stochastic weight averaging started (\(count) models averaged), and checkpoints do not keep the averaged weights: resume from a checkpoint saved before averaging started, or start the run again")
        averagedCount = count
        latestUpdateEpoch = latest
    }
}
