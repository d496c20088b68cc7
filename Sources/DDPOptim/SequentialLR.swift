/// Runs schedulers one after another, switching at `milestones`, as `SequentialLR`
/// (e.g. a linear warm-up, then cosine annealing). Each scheduler must drive `optimizer`.
public final class SequentialLR: LRScheduler {
    public let optimizer: any Optimizer
    public var scheduledOptimizers: [any Optimizer] { [optimizer] }
    public let schedulers: [ChainableScheduler]
    public let milestones: [Int]
    public private(set) var lastEpoch: Int
    public private(set) var lastLR: [Double]

    public init(_ optimizer: any Optimizer, schedulers: [ChainableScheduler], milestones: [Int]) throws {
        try OptimizerError.require(!schedulers.isEmpty, "SequentialLR: no schedulers: pass at least one")
        try OptimizerError.require(milestones.count == schedulers.count - 1,
            "SequentialLR: \(schedulers.count) schedulers need \(schedulers.count - 1) milestones, got \(milestones.count): give one milestone between each pair")
        for scheduler in schedulers {
            try OptimizerError.require(scheduler.optimizer === optimizer,
                "SequentialLR: a scheduler drives another optimizer: build every scheduler on the same optimizer")
        }
        self.optimizer = optimizer
        self.schedulers = schedulers
        self.milestones = milestones
        lastEpoch = 0
        // Undo the constructors' initial steps, then take the first scheduler's again.
        for i in optimizer.paramGroups.indices { optimizer.paramGroups[i].lr = optimizer.paramGroups[i].number("initial_lr") }
        for scheduler in schedulers { scheduler.lastEpoch -= 1 }
        try schedulers[0].initialStep()
        lastLR = schedulers[0].lastLR
    }

    public func step() throws {
        lastEpoch += 1
        let index = milestones.filter { $0 <= lastEpoch }.count
        let scheduler = schedulers[index]
        if index > 0 && milestones[index - 1] == lastEpoch {
            try scheduler.step(epoch: 0)
        } else {
            try scheduler.step()
        }
        lastLR = scheduler.lastLR
    }

    public func stateDict() -> SchedulerStateDict {
        SchedulerStateDict(schedulerType: "SequentialLR",
                           values: ["last_epoch": .number(Double(lastEpoch)), "_last_lr": .numbers(lastLR)],
                           children: schedulers.map { $0.stateDict() })
    }

    public func load(stateDict: SchedulerStateDict) throws {
        try stateDict.requireType("SequentialLR")
        try OptimizerError.require(stateDict.children.count == schedulers.count,
            "SequentialLR state dict has \(stateDict.children.count) schedulers, this one \(schedulers.count): build it with the same schedulers")
        for (scheduler, child) in zip(schedulers, stateDict.children) { try scheduler.load(stateDict: child) }
        lastEpoch = try stateDict.wholeNumber("last_epoch")
        lastLR = try stateDict.numbers("_last_lr")
    }
}

/// Steps several schedulers together every step, so their factors multiply, as `ChainedScheduler`.
public final class ChainedScheduler: LRScheduler {
    public let optimizer: any Optimizer
    public var scheduledOptimizers: [any Optimizer] { [optimizer] }
    public let schedulers: [ChainableScheduler]
    public private(set) var lastLR: [Double]
    public var lastEpoch: Int { schedulers.last!.lastEpoch }

    public init(_ schedulers: [ChainableScheduler]) throws {
        try OptimizerError.require(!schedulers.isEmpty, "ChainedScheduler: no schedulers: pass at least one")
        optimizer = schedulers[0].optimizer
        for scheduler in schedulers {
            try OptimizerError.require(scheduler.optimizer === optimizer,
                "ChainedScheduler: a scheduler drives another optimizer: build every scheduler on the same optimizer")
        }
        self.schedulers = schedulers
        lastLR = optimizer.paramGroups.map(\.lr)
    }

    public func step() throws {
        for scheduler in schedulers { try scheduler.step() }
        lastLR = optimizer.paramGroups.map(\.lr)
    }

    public func stateDict() -> SchedulerStateDict {
        SchedulerStateDict(schedulerType: "ChainedScheduler", values: ["_last_lr": .numbers(lastLR)],
                           children: schedulers.map { $0.stateDict() })
    }

    public func load(stateDict: SchedulerStateDict) throws {
        try stateDict.requireType("ChainedScheduler")
        try OptimizerError.require(stateDict.children.count == schedulers.count,
            "ChainedScheduler state dict has \(stateDict.children.count) schedulers, this one \(schedulers.count): build it with the same schedulers")
        for (scheduler, child) in zip(schedulers, stateDict.children) { try scheduler.load(stateDict: child) }
        lastLR = try stateDict.numbers("_last_lr")
    }
}
