import DDPOptim

/// When a scheduler steps in automatic optimization (Lightning's `interval`).
public enum SchedulerInterval: String, Sendable {
    /// After each batch that ends an accumulation window (every batch without accumulation).
    case step
    /// After each training epoch (after validation, so a monitored validation metric is fresh).
    case epoch
}

/// A scheduler with the rules for stepping it: Lightning's `lr_scheduler_config`.
///
///     SchedulerConfiguration(ReduceLROnPlateau(adam), monitor: "val_loss")
///     SchedulerConfiguration(OneCycleLR(sgd, maxLR: 0.1, totalSteps: 1000), interval: .step)
///
/// In manual optimization the trainer steps no scheduler and ignores these rules.
public struct SchedulerConfiguration {
    public var scheduler: any LRScheduler
    public var interval: SchedulerInterval
    /// Step every `frequency` intervals, counted as Lightning 1.x does: `.step` on the
    /// in-epoch batch number (`(batchIndex + 1) % frequency == 0`), `.epoch` on epochs. With
    /// optimizer frequencies, only the schedulers of the optimizer whose turn it is at the
    /// batch number counted over the whole fit are considered (Lightning's `total_batch_idx`).
    public var frequency: Int
    /// The logged metric a ``MetricDrivenScheduler`` steps on (e.g. `"val_loss"`).
    public var monitor: String?
    /// When the monitored metric is missing: `true` stops with an error, `false` skips the step.
    public var strict: Bool
    /// The name `LearningRateMonitor` logs this scheduler's learning rates under.
    public var name: String?

    public init(
        _ scheduler: any LRScheduler, interval: SchedulerInterval = .epoch, frequency: Int = 1,
        monitor: String? = nil, strict: Bool = true, name: String? = nil
    ) {
        self.scheduler = scheduler
        self.interval = interval
        self.frequency = frequency
        self.monitor = monitor
        self.strict = strict
        self.name = name
    }
}

/// One optimizer with its own options: Lightning's optimizer dictionary
/// `{"optimizer": ..., "frequency": ..., "lr_scheduler": ...}`.
public struct OptimizerEntry {
    public var optimizer: any Optimizer
    /// In automatic optimization with several optimizers, the number of consecutive batches
    /// this optimizer is used for before the next one takes over (all entries need one). The
    /// cycle restarts with each epoch: batch `i` of an epoch uses the optimizer whose turn is
    /// `i % sum(frequencies)`, as in Lightning 1.x.
    public var frequency: Int?
    public var scheduler: SchedulerConfiguration?

    public init(_ optimizer: any Optimizer, frequency: Int? = nil, scheduler: SchedulerConfiguration? = nil) {
        self.optimizer = optimizer
        self.frequency = frequency
        self.scheduler = scheduler
    }
}

/// What `configureOptimizers()` returns, in every form Lightning accepts:
///
///     return OptimizerConfiguration(adam)                                   // one optimizer
///     return [generatorOptimizer, discriminatorOptimizer]                   // several
///     return OptimizerConfiguration(optimizers: [adam, sgd],
///                                   schedulers: [StepLR(adam, ...), OneCycleLR(sgd, ...)])
///     return OptimizerConfiguration(adam, scheduler: .init(plateau, monitor: "val_loss"))
///     return OptimizerConfiguration([OptimizerEntry(d, frequency: 5), OptimizerEntry(g, frequency: 1)])
public struct OptimizerConfiguration: ExpressibleByArrayLiteral {
    public var entries: [OptimizerEntry]
    /// Schedulers given apart from the entries; each belongs to the optimizer it drives.
    public var schedulers: [SchedulerConfiguration]

    public init(_ entries: [OptimizerEntry], schedulers: [SchedulerConfiguration] = []) {
        self.entries = entries
        self.schedulers = schedulers
    }

    public init(_ optimizer: any Optimizer) {
        self.init([OptimizerEntry(optimizer)])
    }

    public init(_ optimizer: any Optimizer, scheduler: any LRScheduler) {
        self.init([OptimizerEntry(optimizer, scheduler: SchedulerConfiguration(scheduler))])
    }

    public init(_ optimizer: any Optimizer, scheduler: SchedulerConfiguration) {
        self.init([OptimizerEntry(optimizer, scheduler: scheduler)])
    }

    public init(optimizers: [any Optimizer], schedulers: [any LRScheduler] = []) {
        self.init(optimizers.map { OptimizerEntry($0) }, schedulers: schedulers.map { SchedulerConfiguration($0) })
    }

    public init(optimizers: [any Optimizer], schedulers: [SchedulerConfiguration]) {
        self.init(optimizers.map { OptimizerEntry($0) }, schedulers: schedulers)
    }

    public init(arrayLiteral optimizers: any Optimizer...) {
        self.init(optimizers: optimizers)
    }
}

/// A scheduler configuration tied to the index of the optimizer whose steps it counts.
struct ResolvedScheduler {
    var configuration: SchedulerConfiguration
    var optimizerIndex: Int
    var scheduler: any LRScheduler { configuration.scheduler }
}

extension OptimizerConfiguration {
    /// Checks the configuration and ties every scheduler to its optimizer.
    func resolved(automatic: Bool) throws -> (optimizers: [any Optimizer], frequencies: [Int]?, schedulers: [ResolvedScheduler]) {
        try TrainerError.require(!entries.isEmpty, "configureOptimizers() returned no optimizer: return at least one")
        let optimizers = entries.map(\.optimizer)
        for (i, optimizer) in optimizers.enumerated() {
            try TrainerError.require(!optimizers[..<i].contains { $0 === optimizer },
                "configureOptimizers() returned the same \(optimizer.typeName) twice: return each optimizer once")
        }
        let given = entries.compactMap(\.frequency)
        try TrainerError.require(given.isEmpty || given.count == entries.count,
            "configureOptimizers() gave a frequency to \(given.count) of \(entries.count) optimizers: give one to every optimizer or to none")
        for frequency in given {
            try TrainerError.require(frequency >= 1, "an optimizer frequency must be at least 1, got \(frequency)")
        }
        let all = entries.compactMap(\.scheduler) + schedulers
        var resolved: [ResolvedScheduler] = []
        for configuration in all {
            let scheduler = configuration.scheduler
            try TrainerError.require(!resolved.contains { $0.scheduler === scheduler },
                "configureOptimizers() returned the same scheduler twice: return each scheduler once")
            try TrainerError.require(configuration.frequency >= 1,
                "the scheduler frequency must be at least 1, got \(configuration.frequency)")
            let driven = scheduler.scheduledOptimizers
            guard let index = optimizers.firstIndex(where: { candidate in driven.contains { $0 === candidate } }) else {
                throw TrainerError("a \(type(of: scheduler)) in configureOptimizers() drives an optimizer that is not returned with it: return its optimizer too")
            }
            if automatic && scheduler is MetricDrivenScheduler {
                try TrainerError.require(configuration.monitor != nil,
                    "\(type(of: scheduler)) steps on a metric: give it one with SchedulerConfiguration(scheduler, monitor: \"val_loss\")")
            }
            resolved.append(ResolvedScheduler(configuration: configuration, optimizerIndex: index))
        }
        return (optimizers, given.isEmpty ? nil : given, resolved)
    }
}
