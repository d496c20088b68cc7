import Foundation

/// Multiplies each group's lr by `gamma` every `stepSize` steps, as `torch.optim.lr_scheduler.StepLR`:
/// lr = base_lr · γ^⌊epoch / stepSize⌋.
public final class StepLR: ChainableScheduler {
    public let stepSize: Int
    public let gamma: Double

    public init(_ optimizer: any Optimizer, stepSize: Int, gamma: Double = 0.1) throws {
        try OptimizerError.require(stepSize >= 1, "StepLR: invalid stepSize \(stepSize): use stepSize >= 1")
        self.stepSize = stepSize
        self.gamma = gamma
        try super.init(optimizer: optimizer)
    }

    public override func computeLR() throws -> [Double] {
        let lrs = currentLRs
        if lastEpoch == 0 || lastEpoch % stepSize != 0 { return lrs }
        return lrs.map { $0 * gamma }
    }

    public override func closedFormLR() -> [Double]? {
        baseLRs.map { $0 * pow(gamma, Double(lastEpoch / stepSize)) }
    }
}

/// Multiplies each group's lr by `gamma` at each milestone, as `MultiStepLR`:
/// lr = base_lr · γ^(number of milestones ≤ epoch).
public final class MultiStepLR: ChainableScheduler {
    public let milestones: [Int]
    public let gamma: Double

    public init(_ optimizer: any Optimizer, milestones: [Int], gamma: Double = 0.1) throws {
        self.milestones = milestones.sorted()
        self.gamma = gamma
        try super.init(optimizer: optimizer)
    }

    public override func computeLR() throws -> [Double] {
        let hits = milestones.filter { $0 == lastEpoch }.count
        return optimizer.paramGroups.map { hits == 0 ? $0.lr : $0.lr * pow(gamma, Double(hits)) }
    }

    public override func closedFormLR() -> [Double]? {
        let passed = milestones.filter { $0 <= lastEpoch }.count
        return baseLRs.map { $0 * pow(gamma, Double(passed)) }
    }
}
