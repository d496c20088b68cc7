import DDPData
import DDPDistributed
import DDPNN
import DDPOptim
import DDPTensor

/// Runs the training loop of a ``TrainingModule`` on one rank or on every rank of an MPI job,
/// as Lightning's `Trainer`:
///
///     let trainer = try Trainer(maxEpochs: 10, accumulateGradBatches: 2, gradientClipVal: 0.5)
///     try trainer.fit(model, train: DataLoader(training, batchSize: 32),
///                     validation: DataLoader(validation, batchSize: 256, shuffle: false))
///
/// Loaders are built as for one process; the trainer shards them over the ranks (each rank
/// reads its share of every global batch). Started under `mpirun`, the trainer uses MPI;
/// otherwise it runs as a single process (pass `communicator:` to choose).
///
/// At the start of `fit` every rank checks that all built the same model, then takes rank 0's
/// parameters and buffers; after every training batch every rank takes rank 0's buffers
/// again (PyTorch DDP's `broadcast_buffers`), so BatchNorm running statistics never drift
/// apart. Gradients are averaged over ranks only where an optimizer steps, so gradient
/// accumulation costs no communication, and clipping, schedulers and callbacks see the same
/// numbers everywhere: after every step, all ranks hold identical parameters.
public final class Trainer {
    // MARK: Options

    /// Stop after this many epochs.
    public let maxEpochs: Int
    /// Stop after this many global steps (`nil`: no limit).
    public let maxSteps: Int?
    /// A stop request (``shouldStop``) cannot end training before this many epochs.
    public let minEpochs: Int
    /// A stop request cannot end training before this many global steps.
    public let minSteps: Int
    /// Accumulate gradients over this many batches before each optimizer step (what the
    /// trainer was made with, at the start of every `fit`; ``GradientAccumulationScheduler``
    /// changes it per epoch).
    public internal(set) var accumulateGradBatches: Int
    /// The `accumulateGradBatches` the trainer was made with.
    let initialAccumulateGradBatches: Int
    /// Clip gradients at this value before each step (`nil` or 0: no clipping).
    public let gradientClipVal: Double?
    public let gradientClipAlgorithm: GradientClipAlgorithm
    public let limitTrainBatches: BatchLimit
    public let limitValBatches: BatchLimit
    public let limitTestBatches: BatchLimit
    /// Lightning's `fast_dev_run`: this many batches of training, validation and test (0: off).
    public let fastDevRun: Int
    /// Lightning's `overfit_batches`: train and validate on this share of the batches, in
    /// dataset order every epoch (`nil`: off).
    public let overfitBatches: BatchLimit?
    /// Validation batches run before training, whose metrics are not kept (`Int.max`: all).
    public let numSanityValSteps: Int
    public let valCheckInterval: ValidationInterval
    /// Validate every this many epochs.
    public let checkValEveryNEpoch: Int
    /// Write step metrics every this many global steps.
    public let logEveryNSteps: Int
    /// Seeds this rank's ``randomStream`` at the start of every `fit`, differently on every
    /// rank (`nil`: the stream is seeded once, from 0, and runs on from one `fit` to the next).
    public let seed: UInt64?
    public let communicator: any Communicator
    public let callbacks: [any Callback]
    /// Where rank 0 writes logged metrics (`CSVLogger`, `TensorBoardLogger`, `CurvesPlot`);
    /// other ranks write nothing. Finished at the end of `fit`.
    public let loggers: [any MetricsLogger]
    /// Show progress on rank 0's standard error (a bar on a terminal, plain lines otherwise).
    public let enableProgressBar: Bool
    /// What to do at an optimizer step whose loss or gradient norm is NaN or infinite.
    public let nonFiniteLoss: NonFiniteLossPolicy
    /// Compare a hash of the parameters and buffers across ranks every this many steps (`nil`: never).
    public let checkConsistency: Int?
    /// Normalise with the batch statistics of every rank's batch together (as PyTorch's
    /// `SyncBatchNorm`): every ``BatchNormalization`` of the module reduces its statistics
    /// over the ranks during `fit`. Otherwise each rank normalises with its own batch's.
    public let syncBatchNorm: Bool
    /// How gradient buckets travel between ranks (``GradientCompression``).
    public let gradientCompression: GradientCompression
    /// Whether every rank holds the whole optimizer state (``Strategy/ddp``) or its share of it
    /// (``Strategy/zero1``).
    public let strategy: Strategy
    /// Seconds without progress (a batch trained or validated) after which a rank of a
    /// multi-rank `fit` ends the job, naming the ranks that did not arrive (`nil` or 0: never).
    public let collectiveTimeout: Double?

    // MARK: Progress

    /// The epoch being trained (0-based).
    public internal(set) var currentEpoch = 0
    /// Training batches after which at least one optimizer stepped. In automatic
    /// optimization, as in Lightning, every batch that closes an accumulation window counts,
    /// whatever an overridden `optimizerStep` does (the raw optimizer stepped, or the closure
    /// run alone), unless the trainer skipped the step (no loss, or a non-finite one skipped).
    public internal(set) var globalStep = 0
    /// The index of the batch being trained within its epoch.
    public internal(set) var batchIndex = 0
    /// Whether the sanity check's validation is running (callbacks that decide on metrics skip it).
    public internal(set) var sanityChecking = false
    /// Validation batches run on this rank (the sanity check's not counted).
    public internal(set) var validationBatchesSeen = 0
    /// Whether the batch being trained is the last of its epoch.
    public internal(set) var isLastBatch = false
    /// Training batches processed (every rank processes the same number).
    public internal(set) var batchesSeen = 0
    /// Training samples processed over all ranks.
    public internal(set) var samplesSeen = 0
    /// Batches per training epoch on each rank (after `limitTrainBatches`).
    public internal(set) var numTrainingBatches = 0
    /// Batches per validation run on this rank (after `limitValBatches`).
    public internal(set) var numValidationBatches = 0
    /// Set to end `fit` after the current batch (early stopping does this on every rank).
    public var shouldStop = false
    /// The loss of the last optimizer step, averaged over ranks and accumulated batches.
    public internal(set) var lastStepLoss: Float?
    /// Optimizer steps skipped for a NaN or infinite loss or gradient norm (``NonFiniteLossPolicy/skip``).
    public internal(set) var skippedSteps = 0

    // MARK: Checkpoints

    /// The run's description saved in checkpoints (model, options), as text by name.
    public var runConfiguration: [String: String] = [:]
    /// The keys of ``runConfiguration`` a resume must match to continue the run exactly
    /// (say, the model and the learning rate, not the number of epochs).
    public var exactConfigurationKeys: Set<String> = []
    /// What the last resume had to say (another number of ranks, a forced resume).
    public internal(set) var resumeNotes: [String] = []

    // MARK: What the module configured

    /// The wrapped optimizers, in the order `configureOptimizers()` returned them.
    public internal(set) var optimizers: [ManagedOptimizer] = []
    /// The schedulers with their stepping rules.
    public var schedulers: [SchedulerConfiguration] { resolvedSchedulers.map(\.configuration) }
    /// Per-optimizer frequencies, when given.
    public internal(set) var optimizerFrequencies: [Int]?

    // MARK: Metrics

    /// The latest value of every logged metric (rank-averaged where synced).
    public var callbackMetrics: [String: Double] { metrics.callbackMetrics }
    /// The metrics to show in a progress bar.
    public var progressBarMetrics: [MetricValue] { metrics.progressBarMetrics }
    /// Every logging event of this trainer, in order, on every rank; kept only when the
    /// trainer was made with `keepLoggedEvents: true`, so that a long run's memory stays flat.
    public internal(set) var loggedEvents: [MetricsRecord] = []
    /// Whether ``loggedEvents`` keeps the events (for tests and notebooks; loggers see them all anyway).
    public let keepsLoggedEvents: Bool

    /// This process's rank and the number of ranks.
    public var rank: Int { communicator.rank }
    public var worldSize: Int { communicator.worldSize }
    /// `true` on the rank that logs and writes files.
    public var isGlobalZero: Bool { communicator.rank == 0 }

    /// This rank's random stream (dropout masks, noise): ``RandomStream/current`` while the
    /// trainer runs the module, saved in checkpoints. Every trainer has its own, so runs side
    /// by side in one process never draw from each other's.
    public let randomStream: RandomStream

    // MARK: Internals

    /// Replaced only while ``discoverValidationMetricNames(_:loader:)`` runs a batch it does not keep.
    var metrics = MetricStore()
    var resolvedSchedulers: [ResolvedScheduler] = []
    var module: (any TrainingModule)?
    /// Whether the module being fitted optimizes automatically or manually (the last `fit`'s, after it).
    var optimizationMode = OptimizationMode.automatic
    /// The pieces one training batch goes through (docs/training-loop.md, "The pieces").
    let automaticOptimization = AutomaticOptimization()
    let manualOptimization = ManualOptimization()
    var gradientSynchronization = GradientSynchronization()
    let toggling = OptimizerToggling()
    var batchSteps = BatchSteps()
    var audit: ParameterAudit?
    /// Copies rank 0's buffers to every rank after each training batch (`nil`: one rank, or no buffers).
    var bufferBroadcast: BufferBroadcast?
    /// What resuming compares: the shape of the run being fitted.
    var runShape: RunShape?
    /// Where a resume from the current state would continue: the epoch and its next batch.
    var resumePoint = (epoch: 0, batchIndex: 0)
    var progress: ProgressReporter?
    /// This rank's share of the training data during `fit` (``StochasticWeightAveraging``
    /// reads it once more to recompute BatchNorm statistics).
    var trainingLoader: DataLoader?
    /// Ends a `fit` whose ranks stop meeting (see ``collectiveTimeout``).
    var watchdog: ProgressWatchdog?
    /// The names validation logs, learned before training (see ``checkMonitoredMetrics()``).
    var validationMetricNames: Set<String> = []
    /// Whether the monitored metrics still await their check after the first training batch.
    var monitorsUnchecked = false

    /// - Parameters:
    ///   - minEpochs, minSteps: a stop request (early stopping, the time limit) waits until both are met.
    ///   - maxTime: stop once training has taken this long (a ``Timer`` callback is added, unless one is given).
    ///   - fastDevRun: run this many batches of training, validation and test, for one epoch,
    ///     with no sanity check, loggers, checkpoints or early stopping (0: off).
    ///   - overfitBatches: train and validate on this share of the batches, unshuffled
    ///     (overrides `limitTrainBatches` and `limitValBatches`; `nil`, 0 or 0.0: off).
    ///   - numSanityValSteps: validation batches run before training to catch mistakes early,
    ///     their metrics discarded (-1: all; not when resuming).
    ///   - strategy: ``Strategy/zero1`` keeps on each rank the optimizer state of its share of
    ///     the parameters only (the same weights as ``Strategy/ddp``, bit for bit); L-BFGS is
    ///     refused at the start of `fit`.
    /// - Throws: ``TrainerError`` for an option out of range.
    public init(
        maxEpochs: Int? = nil, minEpochs: Int? = nil, maxSteps: Int? = nil, minSteps: Int? = nil, maxTime: Duration? = nil,
        accumulateGradBatches: Int = 1,
        gradientClipVal: Double? = nil, gradientClipAlgorithm: GradientClipAlgorithm = .norm,
        limitTrainBatches: BatchLimit = .all, limitValBatches: BatchLimit = .all, limitTestBatches: BatchLimit = .all,
        fastDevRun: Int = 0, overfitBatches: BatchLimit? = nil, numSanityValSteps: Int = 2,
        valCheckInterval: ValidationInterval = 1.0, checkValEveryNEpoch: Int = 1, logEveryNSteps: Int = 50,
        seed: UInt64? = nil, communicator: (any Communicator)? = nil, callbacks: [any Callback] = [],
        loggers: [any MetricsLogger] = [], enableProgressBar: Bool = true, nonFiniteLoss: NonFiniteLossPolicy = .step, checkConsistency: Int? = nil,
        collectiveTimeout: Double? = nil, syncBatchNorm: Bool = false, keepLoggedEvents: Bool = false,
        gradientCompression: GradientCompression = .none, strategy: Strategy = .ddp
    ) throws {
        try TrainerError.require((maxEpochs ?? 0) >= 0, "maxEpochs must be >= 0, got \(maxEpochs ?? 0)")
        try TrainerError.require((maxSteps ?? 0) >= 0, "maxSteps must be >= 0, got \(maxSteps ?? 0)")
        try TrainerError.require((minEpochs ?? 0) >= 0, "minEpochs must be >= 0, got \(minEpochs ?? 0)")
        try TrainerError.require((minSteps ?? 0) >= 0, "minSteps must be >= 0, got \(minSteps ?? 0)")
        if let minEpochs, let maxEpochs {
            try TrainerError.require(minEpochs <= maxEpochs, "minEpochs (\(minEpochs)) must be at most maxEpochs (\(maxEpochs))")
        }
        if let minSteps, let maxSteps {
            try TrainerError.require(minSteps <= maxSteps, "minSteps (\(minSteps)) must be at most maxSteps (\(maxSteps))")
        }
        if let maxTime { try TrainerError.require(maxTime >= .zero, "maxTime must be >= 0, got \(maxTime)") }
        try TrainerError.require(fastDevRun >= 0, "fastDevRun must be a number of batches >= 0 (0: off), got \(fastDevRun)")
        try TrainerError.require(numSanityValSteps >= -1, "numSanityValSteps must be >= 0, or -1 for all, got \(numSanityValSteps)")
        try TrainerError.require(accumulateGradBatches >= 1, "accumulateGradBatches must be at least 1, got \(accumulateGradBatches)")
        if let value = gradientClipVal {
            try TrainerError.require(value >= 0 && value.isFinite, "gradientClipVal must be a finite number >= 0, got \(value)")
        }
        try limitTrainBatches.validate("limitTrainBatches")
        try limitValBatches.validate("limitValBatches")
        try limitTestBatches.validate("limitTestBatches")
        try overfitBatches?.validate("overfitBatches")
        try valCheckInterval.validate()
        try TrainerError.require(checkValEveryNEpoch >= 1, "checkValEveryNEpoch must be at least 1, got \(checkValEveryNEpoch)")
        try TrainerError.require(logEveryNSteps >= 1, "logEveryNSteps must be at least 1, got \(logEveryNSteps)")
        if let interval = checkConsistency {
            try TrainerError.require(interval >= 1, "checkConsistency must be at least 1 step, got \(interval)")
        }
        if let timeout = collectiveTimeout {
            try TrainerError.require(timeout >= 0 && timeout.isFinite, "collectiveTimeout must be a number of seconds >= 0, got \(timeout)")
        }
        let overfitting = overfitBatches.flatMap { $0.overfits ? $0 : nil }
        // As Lightning: with no limit at all, 1000 epochs.
        let limits = RunLimits(
            maxEpochs: maxEpochs ?? (maxSteps == nil && maxTime == nil ? 1000 : Int.max), maxSteps: maxSteps,
            limitTrainBatches: limitTrainBatches, limitValBatches: limitValBatches, limitTestBatches: limitTestBatches,
            valCheckInterval: valCheckInterval, checkValEveryNEpoch: checkValEveryNEpoch,
            numSanityValSteps: numSanityValSteps == -1 ? Int.max : numSanityValSteps
        ).applying(fastDevRun: fastDevRun, overfitBatches: overfitting)
        self.maxEpochs = limits.maxEpochs
        self.maxSteps = limits.maxSteps
        self.minEpochs = minEpochs ?? 0
        self.minSteps = minSteps ?? 0
        self.accumulateGradBatches = accumulateGradBatches
        initialAccumulateGradBatches = accumulateGradBatches
        self.gradientClipVal = gradientClipVal
        self.gradientClipAlgorithm = gradientClipAlgorithm
        self.limitTrainBatches = limits.limitTrainBatches
        self.limitValBatches = limits.limitValBatches
        self.limitTestBatches = limits.limitTestBatches
        self.fastDevRun = fastDevRun
        self.overfitBatches = overfitting
        self.numSanityValSteps = limits.numSanityValSteps
        self.valCheckInterval = limits.valCheckInterval
        self.checkValEveryNEpoch = limits.checkValEveryNEpoch
        self.logEveryNSteps = logEveryNSteps
        self.seed = seed
        self.communicator = communicator ?? makeCommunicator()
        randomStream = RandomStream(seed: Self.rankStreamSeed(seed ?? 0, rank: self.communicator.rank))
        // As Lightning: `maxTime` adds a Timer unless the callbacks hold one already.
        if let maxTime, !callbacks.contains(where: { $0 is Timer }) {
            self.callbacks = callbacks + [Timer(duration: maxTime)]
        } else {
            self.callbacks = callbacks
        }
        // fast_dev_run logs nothing (Lightning hands the loggers' place to a logger that drops everything).
        self.loggers = fastDevRun > 0 ? [] : loggers
        self.enableProgressBar = enableProgressBar
        self.nonFiniteLoss = nonFiniteLoss
        self.checkConsistency = checkConsistency
        self.collectiveTimeout = collectiveTimeout
        self.syncBatchNorm = syncBatchNorm
        keepsLoggedEvents = keepLoggedEvents
        self.gradientCompression = gradientCompression
        self.strategy = strategy
    }

    /// The seed of rank `rank`'s stream: distinct on every rank, reproducible.
    static func rankStreamSeed(_ seed: UInt64, rank: Int) -> UInt64 {
        seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(rank + 1)
    }

    /// Whether `maxSteps` has been reached.
    var reachedMaxSteps: Bool { maxSteps.map { globalStep >= $0 } ?? false }
}
