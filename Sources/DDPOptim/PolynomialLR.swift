import Foundation

/// Decays each group's lr polynomially to zero over `totalIters` steps, as `PolynomialLR`:
/// lr = base_lr · (1 − min(epoch, T)/T)^power.
public final class PolynomialLR: ChainableScheduler {
    public let totalIters: Int
    public let power: Double

    public init(_ optimizer: any Optimizer, totalIters: Int = 5, power: Double = 1) throws {
        try OptimizerError.require(totalIters >= 1, "PolynomialLR: invalid totalIters \(totalIters): use totalIters >= 1")
        self.totalIters = totalIters
        self.power = power
        try super.init(optimizer: optimizer)
    }

    public override func computeLR() throws -> [Double] {
        let lrs = currentLRs
        if lastEpoch == 0 || lastEpoch > totalIters { return lrs }
        let t = Double(totalIters), e = Double(lastEpoch)
        let factor = pow((1 - e / t) / (1 - (e - 1) / t), power)
        return lrs.map { $0 * factor }
    }

    public override func closedFormLR() -> [Double]? {
        let fraction = Double(min(totalIters, lastEpoch)) / Double(totalIters)
        return baseLRs.map { $0 * pow(1 - fraction, power) }
    }
}
