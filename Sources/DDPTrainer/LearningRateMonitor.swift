import DDPData
import DDPOptim

/// Logs every optimizer's learning rates, as Lightning's `LearningRateMonitor`: `lr-Adam`
/// for an optimizer with one param group, `lr-Adam/pg1`, `lr-Adam/pg2`, ... for several
/// (a scheduler configuration's `name` replaces `lr-Adam`; a second optimizer of the same
/// type is `lr-Adam-1`). With `logMomentum`, also `momentum-Adam` (beta1 for Adam-like ones).
///
/// The values are logged before the step they apply to, on rank 0's loggers, at each
/// logged step (`.step`) or each epoch start (`.epoch`).
public final class LearningRateMonitor: Callback {
    public enum Interval: String, Sendable { case step, epoch }

    public let loggingInterval: Interval
    public let logMomentum: Bool

    public init(loggingInterval: Interval = .epoch, logMomentum: Bool = false) {
        self.loggingInterval = loggingInterval
        self.logMomentum = logMomentum
    }

    public func onTrainBatchStart(
        _ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int
    ) throws {
        guard loggingInterval == .step, trainer.globalStep % trainer.logEveryNSteps == 0 else { return }
        try trainer.recordDirectly(values(trainer), step: trainer.globalStep)
    }

    public func onTrainEpochStart(_ trainer: Trainer, _ module: any TrainingModule) throws {
        guard loggingInterval == .epoch else { return }
        try trainer.recordDirectly(values(trainer), step: trainer.globalStep)
    }

    /// The names and values to log now.
    public func values(_ trainer: Trainer) -> [MetricValue] {
        var result: [MetricValue] = []
        for (name, optimizer) in zip(names(trainer), trainer.optimizers) {
            let groups = optimizer.optimizer.paramGroups
            for (index, group) in groups.enumerated() {
                let suffix = groups.count > 1 ? "/pg\(index + 1)" : ""
                result.append(MetricValue(name: name + suffix, value: group.lr))
                if logMomentum, let momentum = Self.momentum(of: group) {
                    let base = name.hasPrefix("lr-") ? "momentum-" + name.dropFirst(3) : "momentum-" + name
                    result.append(MetricValue(name: base + suffix, value: momentum))
                }
            }
        }
        return result
    }

    /// One name per optimizer: its scheduler's `name`, or `lr-<type>` made unique.
    public func names(_ trainer: Trainer) -> [String] {
        var used: [String: Int] = [:]
        return trainer.optimizers.map { optimizer in
            if let name = trainer.resolvedSchedulers.first(where: { $0.optimizerIndex == optimizer.index })?.configuration.name {
                return name
            }
            let base = "lr-" + optimizer.optimizer.typeName
            let count = used[base, default: 0]
            used[base] = count + 1
            return count == 0 ? base : "\(base)-\(count)"
        }
    }

    private static func momentum(of group: ParamGroup) -> Double? {
        if let betas = group["betas"]?.doublesValue, let beta1 = betas.first { return beta1 }
        return group["momentum"]?.doubleValue
    }
}
