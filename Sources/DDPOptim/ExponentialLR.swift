import Foundation

/// Multiplies each group's lr by `gamma` every step, as `ExponentialLR`: lr = base_lr · γ^epoch.
public final class ExponentialLR: ChainableScheduler {
    public let gamma: Double

    public init(_ optimizer: any Optimizer, gamma: Double) throws {
        self.gamma = gamma
        try super.init(optimizer: optimizer)
    }

    public override func computeLR() throws -> [Double] {
        currentLRs.map { lastEpoch == 0 ? $0 : $0 * gamma }
    }

    public override func closedFormLR() -> [Double]? {
        baseLRs.map { $0 * pow(gamma, Double(lastEpoch)) }
    }
}
