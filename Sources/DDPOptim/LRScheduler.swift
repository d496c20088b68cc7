#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Something that sets the learning rates of an optimizer's param groups as training
/// advances, as `torch.optim.lr_scheduler`: call `step()` after `optimizer.step()`
/// (`step(metric:)` for `ReduceLROnPlateau`).
public protocol LRScheduler: AnyObject {
    /// How many times `step()` has run since construction (torch's `last_epoch`; 0 right after construction).
    var lastEpoch: Int { get }
    /// The learning rate of each group after the last step (`get_last_lr()`).
    var lastLR: [Double] { get }
    /// The optimizers whose learning rates this scheduler sets (usually one).
    var scheduledOptimizers: [any Optimizer] { get }
    func step() throws
    /// The counters and numbers needed to resume (closures are not saved).
    func stateDict() -> SchedulerStateDict
    /// Restores a state dict saved by a scheduler of the same type and configuration.
    func load(stateDict: SchedulerStateDict) throws
}

/// A scheduler that steps on a monitored metric (`ReduceLROnPlateau`) rather than on time.
public protocol MetricDrivenScheduler: LRScheduler {
    func step(metric: Double)
}

/// A scheduler's saved state: its type name, its numbers, and its children's states
/// (`SequentialLR`, `ChainedScheduler`). Encodes to JSON.
public struct SchedulerStateDict: Codable, Equatable {
    public var schedulerType: String
    public var values: [String: HyperParameter]
    public var children: [SchedulerStateDict]

    public init(schedulerType: String, values: [String: HyperParameter], children: [SchedulerStateDict] = []) {
        self.schedulerType = schedulerType
        self.values = values
        self.children = children
    }

    func number(_ key: String) throws -> Double {
        guard let value = values[key]?.doubleValue else {
            throw OptimizerError("\(schedulerType) state dict has no number '\(key)': it was not saved by this scheduler")
        }
        return value
    }

    /// Throws unless a `typeName` scheduler saved this dict: each scheduler's `load` starts here.
    func requireType(_ typeName: String) throws {
        try OptimizerError.require(schedulerType == typeName,
            "cannot load a \(schedulerType) state dict into \(typeName): load it into a \(schedulerType)")
    }

    /// The count or index saved as `key`; a value that is not a whole number within `Int`
    /// (a corrupted checkpoint's `1e300` or `nan`) is an error, not a trapping conversion.
    func wholeNumber(_ key: String) throws -> Int {
        let value = try number(key)
        guard let whole = Int(exactly: value) else {
            throw OptimizerError("\(schedulerType) state dict has '\(key)' \(value), which is not a whole number: the state is corrupted")
        }
        return whole
    }

    func numbers(_ key: String) throws -> [Double] {
        guard let value = values[key]?.doublesValue else {
            throw OptimizerError("\(schedulerType) state dict has no list '\(key)': it was not saved by this scheduler")
        }
        return value
    }
}

/// The bookkeeping shared by torch's chainable schedulers (`LRScheduler`): base learning
/// rates from each group's `initial_lr`, `last_epoch`, a step count, and an initial step at
/// construction. A subclass overrides `computeLR()` (torch's `get_lr`, usually recursive:
/// the new lr from the group's current lr) and, when there is one, `closedFormLR()`.
open class ChainableScheduler: LRScheduler {
    public let optimizer: any Optimizer
    /// The learning rates the schedule starts from (`base_lrs`).
    public internal(set) var baseLRs: [Double]
    public internal(set) var lastEpoch: Int
    public internal(set) var lastLR: [Double] = []
    /// How many times `step` ran, including the one at construction (`_step_count`).
    public internal(set) var stepCount = 0

    /// Records `initial_lr` in each group (unless a scheduler already did) and takes the
    /// initial step, so that the groups hold the lr for training step 0.
    public init(optimizer: any Optimizer, baseLRs: [Double]? = nil) throws {
        self.optimizer = optimizer
        for i in optimizer.paramGroups.indices where optimizer.paramGroups[i]["initial_lr"] == nil {
            optimizer.paramGroups[i]["initial_lr"] = .number(optimizer.paramGroups[i].lr)
        }
        self.baseLRs = baseLRs ?? optimizer.paramGroups.map { $0.number("initial_lr") }
        self.lastEpoch = -1
        try initialStep()
    }

    public var scheduledOptimizers: [any Optimizer] { [optimizer] }

    /// The scheduler's name in state dicts.
    open var typeName: String { String(describing: type(of: self)) }

    /// Each group's learning rate now: where the recursive schedules start from.
    public var currentLRs: [Double] { optimizer.paramGroups.map(\.lr) }

    /// The new lr of every group at `lastEpoch` (torch's `get_lr`).
    open func computeLR() throws -> [Double] { currentLRs }

    /// The lr at `lastEpoch` from the closed form, when the schedule has one.
    open func closedFormLR() -> [Double]? { nil }

    /// Extra numbers a subclass saves, and restores in `restore(_:)`.
    open var savedValues: [String: HyperParameter] { [:] }
    open func restore(_ stateDict: SchedulerStateDict) throws {}

    func initialStep() throws {
        stepCount = 0
        try step()
    }

    open func step() throws {
        stepCount += 1
        lastEpoch += 1
        apply(try computeLR())
    }

    /// Jumps to `epoch` (torch's deprecated `step(epoch)`): the closed form when there is
    /// one, else the recursive form. `SequentialLR` uses it at its milestones.
    public func step(epoch: Int) throws {
        stepCount += 1
        lastEpoch = epoch
        apply(try closedFormLR() ?? computeLR())
    }

    func apply(_ values: [Double]) {
        for (i, lr) in values.enumerated() { optimizer.paramGroups[i].lr = lr }
        lastLR = currentLRs
    }

    /// Group options other than lr that a scheduler cycles (momentum, or beta1 for Adam-like optimizers).
    func setMomentum(_ value: Double, group index: Int, useBeta1: Bool) {
        if useBeta1 {
            optimizer.paramGroups[index].betas = (value, optimizer.paramGroups[index].betas.1)
        } else {
            optimizer.paramGroups[index].momentum = value
        }
    }

    public func stateDict() -> SchedulerStateDict {
        var values = savedValues
        values["last_epoch"] = .number(Double(lastEpoch))
        values["_step_count"] = .number(Double(stepCount))
        values["base_lrs"] = .numbers(baseLRs)
        values["_last_lr"] = .numbers(lastLR)
        return SchedulerStateDict(schedulerType: typeName, values: values)
    }

    public func load(stateDict: SchedulerStateDict) throws {
        try stateDict.requireType(typeName)
        let base = try stateDict.numbers("base_lrs"), last = try stateDict.numbers("_last_lr")
        try OptimizerError.require(base.count == optimizer.paramGroups.count && last.count == base.count,
            "\(typeName) state dict has \(base.count) learning rates, the optimizer has \(optimizer.paramGroups.count) param groups: build the optimizer with the same groups")
        try restore(stateDict)
        lastEpoch = try stateDict.wholeNumber("last_epoch")
        stepCount = try stateDict.wholeNumber("_step_count")
        baseLRs = base
        lastLR = last
    }
}

/// Python's `%` (the result has the sign of the divisor).
func pythonModulo(_ a: Int, _ b: Int) -> Int {
    let r = a % b
    return r != 0 && (r < 0) != (b < 0) ? r + b : r
}

/// The number of groups as a checked list: one value for every group, or one for all.
func perGroup(_ values: [Double], _ optimizer: any Optimizer, _ name: String, _ scheduler: String) throws -> [Double] {
    let groups = optimizer.paramGroups.count
    if values.count == 1 { return Array(repeating: values[0], count: groups) }
    try OptimizerError.require(values.count == groups,
        "\(scheduler): expected \(groups) values of \(name), got \(values.count): give one per param group or a single value")
    return values
}
