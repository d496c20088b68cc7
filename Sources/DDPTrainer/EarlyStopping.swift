/// Stops training when a monitored metric has stopped improving, as Lightning's `EarlyStopping`.
///
/// It decides after each validation run (or each training epoch when `checkOnTrainEpochEnd`)
/// on the metric as logged, which is averaged over ranks, so every rank decides alike.
///
///     Trainer(callbacks: [EarlyStopping(monitor: "val_loss", patience: 3)])
public final class EarlyStopping: Callback {
    public enum Mode: String, Sendable { case min, max }

    public let monitor: String
    /// The least change that counts as an improvement.
    public let minDelta: Double
    /// Checks without improvement before stopping.
    public let patience: Int
    public let mode: Mode
    /// A missing monitored metric is an error (`false`: the check is skipped).
    public let strict: Bool
    /// Stop as soon as the metric is NaN or infinite.
    public let checkFinite: Bool
    /// Stop once the metric is better than this.
    public let stoppingThreshold: Double?
    /// Stop once the metric is worse than this.
    public let divergenceThreshold: Double?
    /// Decide at the end of each training epoch rather than after validation.
    public let checkOnTrainEpochEnd: Bool

    /// The best value seen.
    public private(set) var bestScore: Double
    /// Checks since the last improvement.
    public private(set) var waitCount = 0
    /// The epoch training stopped at, if it did.
    public private(set) var stoppedEpoch: Int?
    /// Why training stopped, in words.
    public private(set) var stoppingReason: String?

    public init(
        monitor: String, minDelta: Double = 0, patience: Int = 3, mode: Mode = .min, strict: Bool = true,
        checkFinite: Bool = true, stoppingThreshold: Double? = nil, divergenceThreshold: Double? = nil,
        checkOnTrainEpochEnd: Bool = false
    ) {
        precondition(patience >= 0, "EarlyStopping patience must be >= 0, got \(patience)")
        self.monitor = monitor
        self.minDelta = abs(minDelta)
        self.patience = patience
        self.mode = mode
        self.strict = strict
        self.checkFinite = checkFinite
        self.stoppingThreshold = stoppingThreshold
        self.divergenceThreshold = divergenceThreshold
        self.checkOnTrainEpochEnd = checkOnTrainEpochEnd
        bestScore = mode == .min ? .infinity : -.infinity
    }

    public func onValidationEpochEnd(_ trainer: Trainer, _ module: any TrainingModule) throws {
        if !checkOnTrainEpochEnd { try check(trainer) }
    }

    public func onTrainEpochEnd(_ trainer: Trainer, _ module: any TrainingModule) throws {
        if checkOnTrainEpochEnd { try check(trainer) }
    }

    private func isBetter(_ value: Double, than reference: Double) -> Bool {
        mode == .min ? value < reference : value > reference
    }

    private func check(_ trainer: Trainer) throws {
        // As Lightning: neither the sanity check nor a fast_dev_run decides anything.
        guard !trainer.sanityChecking && !trainer.isFastDevRun else { return }
        guard let current = try trainer.monitoredMetric(monitor, by: "EarlyStopping", strict: strict) else { return }
        if checkFinite && !current.isFinite {
            stop(trainer, "\(monitor) = \(current) is not finite")
        } else if let threshold = stoppingThreshold, isBetter(current, than: threshold) {
            stop(trainer, "\(monitor) = \(current) reached the stopping threshold \(threshold)")
        } else if let threshold = divergenceThreshold, isBetter(threshold, than: current) {
            stop(trainer, "\(monitor) = \(current) is past the divergence threshold \(threshold)")
        } else if isBetter(mode == .min ? current + minDelta : current - minDelta, than: bestScore) {
            bestScore = current
            waitCount = 0
        } else {
            waitCount += 1
            if waitCount >= patience {
                stop(trainer, "\(monitor) did not improve in \(waitCount) checks (best \(bestScore))")
            }
        }
    }

    private func stop(_ trainer: Trainer, _ reason: String) {
        trainer.shouldStop = true
        stoppedEpoch = trainer.currentEpoch
        stoppingReason = reason
    }

    public func stateDict() -> [String: Double] {
        var state = ["best_score": bestScore, "wait_count": Double(waitCount), "patience": Double(patience)]
        if let stoppedEpoch { state["stopped_epoch"] = Double(stoppedEpoch) }
        return state
    }

    public func load(stateDict: [String: Double]) throws {
        guard let best = stateDict["best_score"], let wait = stateDict["wait_count"] else {
            throw TrainerError("EarlyStopping state has no best_score or wait_count: it was saved by another callback")
        }
        guard let waitCount = Int(exactly: wait), (stateDict["stopped_epoch"]).map({ Int(exactly: $0) != nil }) ?? true else {
            throw TrainerError("EarlyStopping state has a wait_count or stopped_epoch that is not a whole number: the checkpoint is corrupted")
        }
        bestScore = best
        self.waitCount = waitCount
        stoppedEpoch = stateDict["stopped_epoch"].flatMap { Int(exactly: $0) }
    }
}
