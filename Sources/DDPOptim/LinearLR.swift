/// Scales each group's lr by a factor that moves linearly from `startFactor` to
/// `endFactor` over `totalIters` steps, then stays, as `LinearLR` (a common warm-up).
public final class LinearLR: ChainableScheduler {
    public let startFactor: Double
    public let endFactor: Double
    public let totalIters: Int

    public init(_ optimizer: any Optimizer, startFactor: Double = 1.0 / 3, endFactor: Double = 1, totalIters: Int = 5) throws {
        try OptimizerError.require(startFactor > 0 && startFactor <= 1,
            "LinearLR: invalid startFactor \(startFactor): use a value in (0, 1]")
        try OptimizerError.require(endFactor >= 0 && endFactor <= 1,
            "LinearLR: invalid endFactor \(endFactor): use a value in [0, 1]")
        self.startFactor = startFactor
        self.endFactor = endFactor
        self.totalIters = totalIters
        try super.init(optimizer: optimizer)
    }

    public override func computeLR() throws -> [Double] {
        let lrs = currentLRs
        if lastEpoch == 0 { return lrs.map { $0 * startFactor } }
        if lastEpoch > totalIters { return lrs }
        // The ratio of this step's factor to the previous one.
        let ratio = 1 + (endFactor - startFactor)
            / (Double(totalIters) * startFactor + Double(lastEpoch - 1) * (endFactor - startFactor))
        return lrs.map { $0 * ratio }
    }

    public override func closedFormLR() -> [Double]? {
        let progress = Double(min(totalIters, lastEpoch)) / Double(totalIters)
        return baseLRs.map { $0 * (startFactor + (endFactor - startFactor) * progress) }
    }
}

/// Scales each group's lr by `factor` for the first `totalIters` steps, as `ConstantLR`.
public final class ConstantLR: ChainableScheduler {
    public let factor: Double
    public let totalIters: Int

    public init(_ optimizer: any Optimizer, factor: Double = 1.0 / 3, totalIters: Int = 5) throws {
        try OptimizerError.require(factor >= 0 && factor <= 1, "ConstantLR: invalid factor \(factor): use a value in [0, 1]")
        self.factor = factor
        self.totalIters = totalIters
        try super.init(optimizer: optimizer)
    }

    public override func computeLR() throws -> [Double] {
        let lrs = currentLRs
        if lastEpoch == 0 { return lrs.map { $0 * factor } }
        if lastEpoch != totalIters { return lrs }
        return lrs.map { $0 * (1 / factor) }
    }

    public override func closedFormLR() -> [Double]? {
        baseLRs.map { $0 * (lastEpoch >= totalIters ? 1 : factor) }
    }
}
