/// Reduces each group's lr by `factor` when a metric has stopped improving for more than
/// `patience` steps, as `ReduceLROnPlateau`. Call `step(metric:)` with the monitored value
/// (e.g. the validation loss, averaged over ranks).
///
/// Improvement is relative (`threshold_mode` "rel": better than best·(1 ∓ threshold)) or
/// absolute ("abs": best ∓ threshold); after a reduction, `cooldown` steps pass before bad
/// steps count again; lr never goes below the group's `minLR`, and a change smaller than
/// `eps` is skipped.
public final class ReduceLROnPlateau: MetricDrivenScheduler {
    public enum Mode: String { case min, max }
    public enum ThresholdMode: String { case rel, abs }

    public let optimizer: any Optimizer
    public var scheduledOptimizers: [any Optimizer] { [optimizer] }
    public let mode: Mode
    public let factor: Double
    public let patience: Int
    public let threshold: Double
    public let thresholdMode: ThresholdMode
    public let cooldown: Int
    public let minLRs: [Double]
    public let eps: Double
    public private(set) var best: Double
    public private(set) var numBadEpochs = 0
    public private(set) var cooldownCounter = 0
    public private(set) var lastEpoch = 0
    public private(set) var lastLR: [Double]

    public init(
        _ optimizer: any Optimizer, mode: Mode = .min, factor: Double = 0.1, patience: Int = 10,
        threshold: Double = 1e-4, thresholdMode: ThresholdMode = .rel, cooldown: Int = 0, minLR: [Double] = [0],
        eps: Double = 1e-8
    ) throws {
        try OptimizerError.require(factor < 1, "ReduceLROnPlateau: factor \(factor) should be < 1.0: use a factor in [0, 1)")
        try OptimizerError.require(factor >= 0, "ReduceLROnPlateau: invalid factor \(factor): use a factor in [0, 1)")
        try OptimizerError.require(patience >= 0 && cooldown >= 0,
            "ReduceLROnPlateau: invalid patience \(patience) or cooldown \(cooldown): use values >= 0")
        self.optimizer = optimizer
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.thresholdMode = thresholdMode
        self.cooldown = cooldown
        self.minLRs = try perGroup(minLR, optimizer, "minLR", "ReduceLROnPlateau")
        self.eps = eps
        best = mode == .min ? .infinity : -.infinity
        lastLR = optimizer.paramGroups.map(\.lr)
    }

    /// A plateau scheduler needs the metric.
    public func step() throws {
        throw OptimizerError("ReduceLROnPlateau needs the monitored metric: call step(metric:)")
    }

    public func step(metric: Double) {
        lastEpoch += 1
        if isBetter(metric) {
            best = metric
            numBadEpochs = 0
        } else {
            numBadEpochs += 1
        }
        if cooldownCounter > 0 {
            cooldownCounter -= 1
            numBadEpochs = 0  // bad steps during cooldown do not count
        }
        if numBadEpochs > patience {
            reduceLR()
            cooldownCounter = cooldown
            numBadEpochs = 0
        }
        lastLR = optimizer.paramGroups.map(\.lr)
    }

    private func isBetter(_ value: Double) -> Bool {
        switch (mode, thresholdMode) {
        case (.min, .rel): return value < best * (1 - threshold)
        case (.min, .abs): return value < best - threshold
        case (.max, .rel): return value > best * (threshold + 1)
        case (.max, .abs): return value > best + threshold
        }
    }

    private func reduceLR() {
        for i in optimizer.paramGroups.indices {
            let old = optimizer.paramGroups[i].lr
            let new = max(old * factor, minLRs[i])
            if old - new > eps { optimizer.paramGroups[i].lr = new }
        }
    }

    public func stateDict() -> SchedulerStateDict {
        SchedulerStateDict(schedulerType: "ReduceLROnPlateau", values: [
            "best": .number(best), "num_bad_epochs": .number(Double(numBadEpochs)),
            "cooldown_counter": .number(Double(cooldownCounter)), "last_epoch": .number(Double(lastEpoch)),
            "_last_lr": .numbers(lastLR), "min_lrs": .numbers(minLRs),
        ])
    }

    public func load(stateDict: SchedulerStateDict) throws {
        try stateDict.requireType("ReduceLROnPlateau")
        let lrs = try stateDict.numbers("_last_lr")
        try OptimizerError.require(lrs.count == optimizer.paramGroups.count,
            "ReduceLROnPlateau state dict has \(lrs.count) learning rates, the optimizer has \(optimizer.paramGroups.count) param groups: build the optimizer with the same groups")
        best = try stateDict.number("best")
        numBadEpochs = try stateDict.wholeNumber("num_bad_epochs")
        cooldownCounter = try stateDict.wholeNumber("cooldown_counter")
        lastEpoch = try stateDict.wholeNumber("last_epoch")
        lastLR = lrs
    }
}
