import Foundation

/// A learning rate as a function of the global step, shareable between optimizers (Keras's
/// `LearningRateSchedule`).
public protocol LearningRateSchedule {
    func learningRate(atStep step: Int) -> Double
}

/// Keras's `ExponentialDecay`: lr(step) = initial · rate^(step / decaySteps), the exponent
/// floored when `staircase`.
///
///     let schedule = ExponentialDecay(initialLearningRate: 2e-4, decaySteps: 10_000, decayRate: 0.9)
///     let driver = try ScheduledLR(schedule, optimizers: [generatorA, generatorB])
public struct ExponentialDecay: LearningRateSchedule, Equatable, Codable, Sendable {
    public var initialLearningRate: Double
    public var decaySteps: Int
    public var decayRate: Double
    public var staircase: Bool

    public init(initialLearningRate: Double, decaySteps: Int, decayRate: Double, staircase: Bool = false) {
        self.initialLearningRate = initialLearningRate
        self.decaySteps = decaySteps
        self.decayRate = decayRate
        self.staircase = staircase
    }

    public func learningRate(atStep step: Int) -> Double {
        var exponent = Double(step) / Double(decaySteps)
        if staircase { exponent = exponent.rounded(.down) }
        return initialLearningRate * pow(decayRate, exponent)
    }
}

/// Drives the lr of every group of several optimizers from one `LearningRateSchedule`:
/// lr = schedule(step), step 0 at construction, one more per `step()`.
public final class ScheduledLR: LRScheduler {
    public let schedule: any LearningRateSchedule
    public let optimizers: [any Optimizer]
    public var scheduledOptimizers: [any Optimizer] { optimizers }
    public private(set) var lastEpoch = 0
    public private(set) var lastLR: [Double] = []

    public init(_ schedule: any LearningRateSchedule, optimizers: [any Optimizer]) throws {
        try OptimizerError.require(!optimizers.isEmpty, "ScheduledLR: no optimizers: pass at least one")
        self.schedule = schedule
        self.optimizers = optimizers
        apply()
    }

    public func step() throws {
        lastEpoch += 1
        apply()
    }

    private func apply() {
        let lr = schedule.learningRate(atStep: lastEpoch)
        for optimizer in optimizers {
            for i in optimizer.paramGroups.indices { optimizer.paramGroups[i].lr = lr }
        }
        lastLR = optimizers.flatMap { $0.paramGroups.map(\.lr) }
    }

    public func stateDict() -> SchedulerStateDict {
        SchedulerStateDict(schedulerType: "ScheduledLR", values: ["last_epoch": .number(Double(lastEpoch))])
    }

    public func load(stateDict: SchedulerStateDict) throws {
        try stateDict.requireType("ScheduledLR")
        lastEpoch = try stateDict.wholeNumber("last_epoch")
        apply()
    }
}
