import Foundation

/// Cosine annealing (Loshchilov & Hutter, 2017, "SGDR: Stochastic Gradient Descent with
/// Warm Restarts") without restarts, as `CosineAnnealingLR`, in torch's recursive form
/// (so it chains with other schedulers):
///
///     lr ← η_min + (lr − η_min) · (1 + cos(π·e/T)) / (1 + cos(π·(e−1)/T))
///
/// whose closed form is η_min + (base_lr − η_min)(1 + cos(π·e/T))/2.
public final class CosineAnnealingLR: ChainableScheduler {
    public let tMax: Int
    public let etaMin: Double

    public init(_ optimizer: any Optimizer, tMax: Int, etaMin: Double = 0) throws {
        try OptimizerError.require(tMax >= 1, "CosineAnnealingLR: invalid tMax \(tMax): use tMax >= 1")
        self.tMax = tMax
        self.etaMin = etaMin
        try super.init(optimizer: optimizer)
    }

    public override func computeLR() throws -> [Double] {
        let groups = optimizer.paramGroups, t = Double(tMax), e = Double(lastEpoch)
        if lastEpoch == 0 { return groups.map(\.lr) }
        if stepCount == 1 && lastEpoch > 0 { return closedFormLR()! }
        if pythonModulo(lastEpoch - 1 - tMax, 2 * tMax) == 0 {
            return zip(groups, baseLRs).map { $0.lr + ($1 - etaMin) * (1 - cos(Double.pi / t)) / 2 }
        }
        return groups.map {
            (1 + cos(Double.pi * e / t)) / (1 + cos(Double.pi * (e - 1) / t)) * ($0.lr - etaMin) + etaMin
        }
    }

    public override func closedFormLR() -> [Double]? {
        baseLRs.map { etaMin + ($0 - etaMin) * (1 + cos(Double.pi * Double(lastEpoch) / Double(tMax))) / 2 }
    }
}

/// Cosine annealing with warm restarts (SGDR), as `CosineAnnealingWarmRestarts`: the
/// cosine restarts after T₀ steps, then after T₀·T_mult, T₀·T_mult², ...:
/// lr = η_min + (base_lr − η_min)(1 + cos(π·T_cur/T_i))/2.
public final class CosineAnnealingWarmRestarts: ChainableScheduler {
    public let t0: Int
    public let tMult: Int
    public let etaMin: Double
    /// The length of the current cycle and the position in it.
    public private(set) var tI: Int
    public private(set) var tCur: Int

    public init(_ optimizer: any Optimizer, t0: Int, tMult: Int = 1, etaMin: Double = 0) throws {
        try OptimizerError.require(t0 >= 1, "CosineAnnealingWarmRestarts: invalid t0 \(t0): use t0 >= 1")
        try OptimizerError.require(tMult >= 1, "CosineAnnealingWarmRestarts: invalid tMult \(tMult): use tMult >= 1")
        self.t0 = t0
        self.tMult = tMult
        self.etaMin = etaMin
        self.tI = t0
        self.tCur = -1
        try super.init(optimizer: optimizer)
    }

    override func initialStep() throws {
        // torch's first step is step(epoch: 0): the start of the first cycle.
        stepCount = 1
        lastEpoch = 0
        tI = t0
        tCur = 0
        apply(try computeLR())
    }

    public override func computeLR() throws -> [Double] {
        baseLRs.map { etaMin + ($0 - etaMin) * (1 + cos(Double.pi * Double(tCur) / Double(tI))) / 2 }
    }

    /// Advances one step, restarting the cosine at the end of each cycle.
    public override func step() throws {
        tCur += 1
        if tCur >= tI {
            tCur -= tI
            tI *= tMult
        }
        stepCount += 1
        lastEpoch += 1
        apply(try computeLR())
    }

    public override var savedValues: [String: HyperParameter] {
        ["T_i": .number(Double(tI)), "T_cur": .number(Double(tCur))]
    }

    public override func restore(_ stateDict: SchedulerStateDict) throws {
        tI = try stateDict.wholeNumber("T_i")
        tCur = try stateDict.wholeNumber("T_cur")
    }
}
