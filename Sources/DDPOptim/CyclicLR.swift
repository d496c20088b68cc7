import Foundation

/// Cyclical learning rates (Smith, 2017, "Cyclical Learning Rates for Training Neural
/// Networks"), as `CyclicLR`: the lr goes from `baseLR` up to `maxLR` in `stepSizeUp`
/// steps and back down in `stepSizeDown`, the amplitude scaled per cycle (`triangular2`:
/// halved each cycle) or per step (`expRange`: γ^step); momentum moves inversely.
public final class CyclicLR: ChainableScheduler {
    public enum Mode: String { case triangular, triangular2, expRange = "exp_range" }

    public let maxLRs: [Double]
    public let mode: Mode
    public let gamma: Double
    public let cycleMomentum: Bool
    public let baseMomentums: [Double], maxMomentums: [Double]
    private let totalSize: Double, stepRatio: Double
    private let useBeta1: Bool

    public init(
        _ optimizer: any Optimizer, baseLR: [Double], maxLR: [Double], stepSizeUp: Int = 2000,
        stepSizeDown: Int? = nil, mode: Mode = .triangular, gamma: Double = 1, cycleMomentum: Bool = true,
        baseMomentum: [Double] = [0.8], maxMomentum: [Double] = [0.9]
    ) throws {
        let baseLRs = try perGroup(baseLR, optimizer, "baseLR", "CyclicLR")
        maxLRs = try perGroup(maxLR, optimizer, "maxLR", "CyclicLR")
        try OptimizerError.require(stepSizeUp >= 1 && (stepSizeDown ?? 1) >= 1,
            "CyclicLR: invalid step sizes \(stepSizeUp), \(String(describing: stepSizeDown)): use step sizes >= 1")
        for i in optimizer.paramGroups.indices { optimizer.paramGroups[i].lr = baseLRs[i] }
        let up = Double(stepSizeUp), down = Double(stepSizeDown ?? stepSizeUp)
        totalSize = up + down
        stepRatio = up / totalSize
        self.mode = mode
        self.gamma = gamma
        self.cycleMomentum = cycleMomentum
        useBeta1 = optimizer.defaults["betas"] != nil
        if cycleMomentum {
            try OptimizerError.require(optimizer.defaults["momentum"] != nil || useBeta1,
                "CyclicLR: the optimizer has neither momentum nor betas to cycle: pass cycleMomentum: false")
        }
        baseMomentums = try perGroup(baseMomentum, optimizer, "baseMomentum", "CyclicLR")
        maxMomentums = try perGroup(maxMomentum, optimizer, "maxMomentum", "CyclicLR")
        try super.init(optimizer: optimizer, baseLRs: baseLRs)
    }

    private func scale(cycle: Double) -> Double {
        switch mode {
        case .triangular: return 1
        case .triangular2: return 1 / pow(2, cycle - 1)
        case .expRange: return pow(gamma, Double(lastEpoch))
        }
    }

    public override func computeLR() throws -> [Double] {
        let epoch = Double(lastEpoch)
        let cycle = (1 + epoch / totalSize).rounded(.down)
        let x = 1 + epoch / totalSize - cycle
        let factor = x <= stepRatio ? x / stepRatio : (x - 1) / (stepRatio - 1)
        let amplitude = scale(cycle: cycle)
        let lrs = zip(baseLRs, maxLRs).map { base, peak in base + (peak - base) * factor * amplitude }
        if cycleMomentum {
            for i in optimizer.paramGroups.indices {
                let height = (maxMomentums[i] - baseMomentums[i]) * factor
                setMomentum(maxMomentums[i] - height * amplitude, group: i, useBeta1: useBeta1)
            }
        }
        return lrs
    }
}
