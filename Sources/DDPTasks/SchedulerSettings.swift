import ArgumentParser

/// Which `torch.optim.lr_scheduler` scheduler a task uses, its parameters (PyTorch's names in
/// kebab case), and when it steps (Lightning's `interval` and `monitor`).
///
/// A `nil` parameter takes PyTorch's default where there is one; the parameters a scheduler
/// cannot do without (`stepSize` for `step`, `milestones` for `multistep`, ...) are errors
/// when missing. `tMax`, `totalSteps` and `totalIters` default to the whole run, counted in
/// the scheduler's interval.
public struct SchedulerSettings: ParsableArguments, Sendable {
    @Option(help: ArgumentHelp("The learning-rate scheduler (default: the task's, usually none): \(SchedulerSettings.names.joined(separator: ", ")).")) public var scheduler: String?
    @Option(help: "When the scheduler steps: epoch (as in Lightning) or step.") public var schedulerInterval = "epoch"
    @Option(help: "Step the scheduler every N intervals (Lightning's frequency; step: every N-th batch of an epoch; default 1).") public var schedulerFrequency: Int?
    @Option(help: "Intervals between decays (step).") public var stepSize: Int?
    @Option(help: "Decay factor (step, multistep: default 0.1; exponential).") public var gamma: Double?
    @Option(help: "Intervals at which to decay, comma-separated (multistep).", transform: CommaSeparated.reading(like: "10,20"))
    public var milestones: CommaSeparated<Int>?
    @Option(help: "Intervals of the half cosine (cosine; default: the whole run).") public var tMax: Int?
    @Option(help: "Lowest learning rate (cosine, cosine-warm-restarts).") public var etaMin: Double?
    @Option(help: "Intervals in the first cycle (cosine-warm-restarts).") public var t0: Int?
    @Option(help: "Cycle length factor (cosine-warm-restarts).") public var tMult: Int?
    @Option(help: "Peak learning rate (onecycle: default lr; cyclic).") public var maxLr: Double?
    @Option(help: "Lowest learning rate (cyclic; default max-lr/10).") public var baseLr: Double?
    @Option(help: "Share of the cycle spent rising (onecycle, default 0.3).") public var pctStart: Double?
    @Option(help: "Length of the cycle (onecycle; default: the whole run).") public var totalSteps: Int?
    @Option(help: "Intervals of the rising half cycle (cyclic, default 2000).") public var stepSizeUp: Int?
    @Option(help: "Initial factor (linear).") public var startFactor: Double?
    @Option(help: "Final factor (linear).") public var endFactor: Double?
    @Option(help: "Factor (constant; plateau: reduction factor).") public var factor: Double?
    @Option(help: "Intervals until the final factor (linear, constant, polynomial).") public var totalIters: Int?
    @Option(help: "Exponent (polynomial).") public var power: Double?
    @Option(help: "Validations without improvement before reducing (plateau, default 10).") public var patience: Int?
    @Option(help: "Smallest improvement that counts (plateau).") public var threshold: Double?
    @Option(help: "Validations to wait after a reduction before counting bad ones again (plateau, default 0).") public var cooldown: Int?
    @Option(help: "The logged metric plateau watches (default val_loss).") public var monitor: String?
    @Option(help: "Whether the monitored metric should fall (min, default) or rise (max).") public var mode: String?

    public init() {}

    /// The schedulers by their command-line names.
    public static let names = [
        "none", "step", "multistep", "exponential", "cosine", "cosine-warm-restarts", "onecycle", "cyclic",
        "linear", "constant", "polynomial", "plateau",
    ]

    /// The scheduler's name (`--scheduler`); `nil`: the task's own (none for most tasks).
    public var name: String? {
        get { scheduler }
        set { scheduler = newValue }
    }

    /// How many times the scheduler will step in a run, to size `tMax`, `totalSteps` and `totalIters`.
    public struct RunLength: Equatable, Sendable {
        public var epochs: Int
        public var optimizerSteps: Int

        public init(epochs: Int, optimizerSteps: Int) {
            self.epochs = epochs
            self.optimizerSteps = optimizerSteps
        }
    }

    /// The scheduler of `optimizer` with its stepping rules, or `nil` for `none`.
    ///
    /// - Throws: ``TaskError`` for an unknown name or interval, or a missing parameter; the
    ///   scheduler's own error for a value out of range.
    public func makeScheduler(for optimizer: any Optimizer, run: RunLength) throws -> SchedulerConfiguration? {
        guard let interval = SchedulerInterval(rawValue: schedulerInterval) else {
            throw TaskError("--scheduler-interval takes step or epoch, got '\(schedulerInterval)'")
        }
        let length = max(1, interval == .step ? run.optimizerSteps : run.epochs)
        let frequency = schedulerFrequency ?? 1
        try TaskError.require(frequency >= 1, "--scheduler-frequency must be at least 1, got \(frequency)")
        if SchedulerSettings.names.contains(name ?? "none") { try checkApplicable(to: name ?? "none") }
        if let gamma {
            // PyTorch takes any factor, but one <= 0 makes the next learning rate invalid an epoch later.
            try TaskError.require(gamma > 0, "--gamma is the factor each decay multiplies the learning rate by: it must be positive, got \(gamma)")
        }
        let scheduler: any LRScheduler
        switch name ?? "none" {
        case "none":
            return nil
        case "step":
            guard let stepSize else { throw TaskError("--scheduler step needs --step-size N (intervals between decays)") }
            scheduler = try StepLR(optimizer, stepSize: stepSize, gamma: gamma ?? 0.1)
        case "multistep":
            guard let milestones = milestones?.elements else { throw TaskError("--scheduler multistep needs --milestones like 10,20") }
            scheduler = try MultiStepLR(optimizer, milestones: milestones, gamma: gamma ?? 0.1)
        case "exponential":
            guard let gamma else { throw TaskError("--scheduler exponential needs --gamma (the factor per interval, e.g. 0.95)") }
            scheduler = try ExponentialLR(optimizer, gamma: gamma)
        case "cosine":
            scheduler = try CosineAnnealingLR(optimizer, tMax: tMax ?? length, etaMin: etaMin ?? 0)
        case "cosine-warm-restarts":
            guard let t0 else { throw TaskError("--scheduler cosine-warm-restarts needs --t0 (intervals in the first cycle)") }
            scheduler = try CosineAnnealingWarmRestarts(optimizer, t0: t0, tMult: tMult ?? 1, etaMin: etaMin ?? 0)
        case "onecycle":
            let groups = optimizer.paramGroups.count
            let peak = maxLr.map { [Double](repeating: $0, count: groups) } ?? optimizer.paramGroups.map(\.lr)
            scheduler = try OneCycleLR(optimizer, maxLR: peak, totalSteps: totalSteps ?? length,
                                       pctStart: pctStart ?? 0.3, cycleMomentum: Self.hasMomentum(optimizer))
        case "cyclic":
            guard let maxLR = maxLr else { throw TaskError("--scheduler cyclic needs --max-lr (and optionally --base-lr)") }
            let groups = optimizer.paramGroups.count
            scheduler = try CyclicLR(optimizer, baseLR: [Double](repeating: baseLr ?? maxLR / 10, count: groups),
                                     maxLR: [Double](repeating: maxLR, count: groups),
                                     stepSizeUp: stepSizeUp ?? 2000, cycleMomentum: Self.hasMomentum(optimizer))
        case "linear":
            scheduler = try LinearLR(optimizer, startFactor: startFactor ?? 1.0 / 3, endFactor: endFactor ?? 1,
                                     totalIters: totalIters ?? 5)
        case "constant":
            scheduler = try ConstantLR(optimizer, factor: factor ?? 1.0 / 3, totalIters: totalIters ?? 5)
        case "polynomial":
            scheduler = try PolynomialLR(optimizer, totalIters: totalIters ?? length, power: power ?? 1)
        case "plateau":
            guard let plateauMode = ReduceLROnPlateau.Mode(rawValue: mode ?? "min") else {
                throw TaskError("--mode takes min or max, got '\(mode ?? "")'")
            }
            scheduler = try ReduceLROnPlateau(optimizer, mode: plateauMode, factor: factor ?? 0.1,
                                              patience: patience ?? 10, threshold: threshold ?? 1e-4,
                                              cooldown: cooldown ?? 0)
            return SchedulerConfiguration(scheduler, interval: interval, frequency: frequency, monitor: monitor ?? "val_loss")
        case let other:
            throw TaskError("unknown scheduler '\(other)': use one of \(Self.names.joined(separator: ", "))")
        }
        return SchedulerConfiguration(scheduler, interval: interval, frequency: frequency)
    }

    /// Whether `optimizer` has a momentum (or Adam's first beta) that cyclic schedules move,
    /// as PyTorch decides it (from the option's presence).
    private static func hasMomentum(_ optimizer: any Optimizer) -> Bool {
        guard let group = optimizer.paramGroups.first else { return false }
        return group["betas"] != nil || group["momentum"] != nil
    }
}

extension SchedulerSettings {
    /// `optimizer` with the scheduler these settings name (if any), as `configureOptimizers`
    /// returns them.
    public func configuration(for optimizer: any Optimizer, run: RunLength) throws -> OptimizerConfiguration {
        guard let scheduler = try makeScheduler(for: optimizer, run: run) else { return OptimizerConfiguration(optimizer) }
        return OptimizerConfiguration(optimizer, scheduler: scheduler)
    }
}
