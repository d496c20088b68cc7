/// A linear warm-up from `lr / 1000` over `warmupSteps` steps, then a half cosine down to
/// `lr / 10` at `totalSteps`: nanoGPT's learning-rate schedule, built as PyTorch's
/// `SequentialLR([LinearLR(start_factor=1e-3, total_iters=warmup), CosineAnnealingLR(T_max=total - warmup, eta_min=lr / 10)], milestones=[warmup])`.
public struct WarmupCosineSchedule: Equatable, Sendable {
    public var warmupSteps: Int
    public var totalSteps: Int
    /// The peak learning rate (the optimizer's), for the floor `lr / 10`.
    public var learningRate: Double

    public init(warmupSteps: Int, totalSteps: Int, learningRate: Double) {
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.learningRate = learningRate
    }

    /// The scheduler of `optimizer`, to step once per optimizer step.
    public func scheduler(for optimizer: any Optimizer) throws -> any LRScheduler {
        let cosine = try CosineAnnealingLR(optimizer, tMax: max(1, totalSteps - warmupSteps), etaMin: learningRate / 10)
        guard warmupSteps > 0 else { return cosine }
        let warmup = try LinearLR(optimizer, startFactor: 1e-3, endFactor: 1, totalIters: warmupSteps)
        return try SequentialLR(optimizer, schedulers: [warmup, cosine], milestones: [warmupSteps])
    }
}
