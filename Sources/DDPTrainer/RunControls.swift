import DDPData
/// What Lightning's debugging controls make of the trainer's limits, as its Trainer does when
/// it is made (`_init_debugging_flags`):
///
/// - `fastDevRun` N: N batches of training, validation and test, one epoch, at most N steps,
///   validation at the epoch's end only, no sanity check (loggers, checkpoints and early
///   stopping are switched off by the trainer and those callbacks);
/// - `overfitBatches`: the same limit for training and validation, taking the place of
///   `limitTrainBatches` and `limitValBatches` (and of fast_dev_run's).
struct RunLimits: Equatable {
    var maxEpochs: Int
    var maxSteps: Int?
    var limitTrainBatches: BatchLimit
    var limitValBatches: BatchLimit
    var limitTestBatches: BatchLimit
    var valCheckInterval: ValidationInterval
    var checkValEveryNEpoch: Int
    /// Validation batches of the sanity check (`Int.max`: all).
    var numSanityValSteps: Int

    /// Applies `fastDevRun` (0: off) and `overfitBatches` (`nil`: off) to the limits asked for.
    func applying(fastDevRun: Int, overfitBatches: BatchLimit?) -> RunLimits {
        var limits = self
        if fastDevRun > 0 {
            limits.limitTrainBatches = .count(fastDevRun)
            limits.limitValBatches = .count(fastDevRun)
            limits.limitTestBatches = .count(fastDevRun)
            limits.maxSteps = fastDevRun
            limits.maxEpochs = 1
            limits.valCheckInterval = .fraction(1)
            limits.checkValEveryNEpoch = 1
            limits.numSanityValSteps = 0
        }
        if let overfitBatches {
            limits.limitTrainBatches = overfitBatches
            limits.limitValBatches = overfitBatches
        }
        return limits
    }
}

extension BatchLimit {
    /// Whether this limit of `overfitBatches` is on (Lightning's default, 0.0, is off).
    var overfits: Bool {
        switch self {
        case .all: return true
        case .fraction(let fraction): return fraction > 0
        case .count(let count): return count > 0
        }
    }
}

extension Trainer {
    /// Whether the run has met `minEpochs` and `minSteps`, so that ``shouldStop`` may end it
    /// (Lightning's `_can_stop_early`); until then a stop request waits.
    public var canStopEarly: Bool {
        currentEpoch >= minEpochs && globalStep >= minSteps
    }

    /// Whether training ends after the current batch at a stop request (early stopping, the
    /// time limit, a callback).
    var stopsNow: Bool { shouldStop && canStopEarly }

    /// Whether the run is one of Lightning's fast_dev_run: nothing is logged or saved.
    public var isFastDevRun: Bool { fastDevRun > 0 }

    /// The training loader as `overfitBatches` wants it: in dataset order, the same batches
    /// every epoch (Lightning turns shuffling off and says so).
    func overfittingOrder(of loader: DataLoader) throws -> DataLoader {
        guard overfitBatches != nil, loader.sampler.shuffle else { return loader }
        return try DataLoader(loader.dataset, batchSize: loader.batchSize, shuffle: false, seed: loader.sampler.seed,
                              rank: loader.sampler.rank, worldSize: loader.sampler.worldSize,
                              dropLast: loader.dropLast, remainder: loader.sampler.remainder)
    }
}
