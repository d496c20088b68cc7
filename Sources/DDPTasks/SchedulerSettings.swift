/// Which `torch.optim.lr_scheduler` scheduler a task uses, its parameters, and when it steps
/// (Lightning's `interval` and `monitor`).
///
/// A `nil` parameter takes PyTorch's default where there is one; the parameters a scheduler
/// cannot do without (`stepSize` for `step`, `milestones` for `multistep`, ...) are errors
/// when missing. `tMax`, `totalSteps` and `totalIters` default to the whole run, counted in
/// the scheduler's interval.
public struct SchedulerSettings: Equatable, Sendable {
    /// The schedulers by their command-line names.
    public static let names = [
        "none", "step", "multistep", "exponential", "cosine", "cosine-warm-restarts", "onecycle", "cyclic",
        "linear", "constant", "polynomial", "plateau",
    ]

    /// `nil`: the task's own scheduler (none for most tasks).
    public var name: String?
    /// `"epoch"` (Lightning's default) or `"step"`.
    public var interval: String
    public var stepSize: Int?
    public var gamma: Double?
    public var milestones: [Int]?
    public var tMax: Int?
    public var etaMin: Double?
    public var t0: Int?
    public var tMult: Int?
    public var maxLR: Double?
    public var baseLR: Double?
    public var pctStart: Double?
    public var totalSteps: Int?
    public var stepSizeUp: Int?
    public var startFactor: Double?
    public var endFactor: Double?
    public var factor: Double?
    public var totalIters: Int?
    public var power: Double?
    public var patience: Int?
    public var threshold: Double?
    /// The metric `plateau` steps on (default `val_loss`).
    public var monitor: String?
    /// Whether the monitored metric should fall (`min`, the default) or rise (`max`).
    public var mode: String?

    public init(name: String? = nil, interval: String = "epoch") {
        self.name = name
        self.interval = interval
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
        guard let schedulerInterval = SchedulerInterval(rawValue: interval) else {
            throw TaskError("--scheduler-interval takes step or epoch, got '\(interval)'")
        }
        let length = max(1, schedulerInterval == .step ? run.optimizerSteps : run.epochs)
        let scheduler: any LRScheduler
        switch name ?? "none" {
        case "none":
            return nil
        case "step":
            guard let stepSize else { throw TaskError("--scheduler step needs --step-size N (intervals between decays)") }
            scheduler = try StepLR(optimizer, stepSize: stepSize, gamma: gamma ?? 0.1)
        case "multistep":
            guard let milestones else { throw TaskError("--scheduler multistep needs --milestones like 10,20") }
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
            let peak = maxLR.map { [Double](repeating: $0, count: groups) } ?? optimizer.paramGroups.map(\.lr)
            scheduler = try OneCycleLR(optimizer, maxLR: peak, totalSteps: totalSteps ?? length,
                                       pctStart: pctStart ?? 0.3, cycleMomentum: Self.hasMomentum(optimizer))
        case "cyclic":
            guard let maxLR else { throw TaskError("--scheduler cyclic needs --max-lr (and optionally --base-lr)") }
            let groups = optimizer.paramGroups.count
            scheduler = try CyclicLR(optimizer, baseLR: [Double](repeating: baseLR ?? maxLR / 10, count: groups),
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
                                              patience: patience ?? 10, threshold: threshold ?? 1e-4)
            return SchedulerConfiguration(scheduler, interval: schedulerInterval, monitor: monitor ?? "val_loss")
        case let other:
            throw TaskError("unknown scheduler '\(other)': use one of \(Self.names.joined(separator: ", "))")
        }
        return SchedulerConfiguration(scheduler, interval: schedulerInterval)
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
