import Foundation

/// The 1cycle policy (Smith & Topin, 2017, "Super-Convergence: Very Fast Training of
/// Neural Networks Using Large Learning Rates"), as `OneCycleLR`: the lr rises from
/// max_lr/divFactor to max_lr over the first `pctStart` of `totalSteps`, then anneals to
/// initial_lr/finalDivFactor (with `threePhase`, first back down to the initial lr), by
/// cosine or linear annealing; momentum (or Adam's β₁) moves inversely between
/// `maxMomentum` and `baseMomentum`.
///
/// Construction overwrites each group's lr (and momentum); the scheduler can step
/// `totalSteps − 1` times, and one more step throws.
public final class OneCycleLR: ChainableScheduler {
    public enum AnnealStrategy: String { case cos, linear }

    private struct Phase {
        var endStep: Double
        var startLR: KeyPath<OneCycleLR, [Double]>, endLR: KeyPath<OneCycleLR, [Double]>
        var startMomentum: KeyPath<OneCycleLR, [Double]>, endMomentum: KeyPath<OneCycleLR, [Double]>
    }

    public let totalSteps: Int
    public let annealStrategy: AnnealStrategy
    public let cycleMomentum: Bool
    public let initialLRs: [Double], maxLRs: [Double], minLRs: [Double]
    public let maxMomentums: [Double], baseMomentums: [Double]
    private let useBeta1: Bool
    private var phases: [Phase] = []

    public init(
        _ optimizer: any Optimizer, maxLR: [Double], totalSteps: Int, pctStart: Double = 0.3,
        annealStrategy: AnnealStrategy = .cos, cycleMomentum: Bool = true, baseMomentum: [Double] = [0.85],
        maxMomentum: [Double] = [0.95], divFactor: Double = 25, finalDivFactor: Double = 1e4, threePhase: Bool = false
    ) throws {
        try OptimizerError.require(totalSteps >= 1, "OneCycleLR: invalid totalSteps \(totalSteps): use totalSteps >= 1")
        try OptimizerError.require(pctStart >= 0 && pctStart <= 1, "OneCycleLR: invalid pctStart \(pctStart): use a value in [0, 1]")
        let maxLRs = try perGroup(maxLR, optimizer, "maxLR", "OneCycleLR")
        self.totalSteps = totalSteps
        self.annealStrategy = annealStrategy
        self.maxLRs = maxLRs
        self.initialLRs = maxLRs.map { $0 / divFactor }
        self.minLRs = initialLRs.map { $0 / finalDivFactor }
        self.cycleMomentum = cycleMomentum
        useBeta1 = optimizer.defaults["betas"] != nil
        if cycleMomentum {
            try OptimizerError.require(optimizer.defaults["momentum"] != nil || useBeta1,
                "OneCycleLR: the optimizer has neither momentum nor betas to cycle: pass cycleMomentum: false")
        }
        maxMomentums = try perGroup(maxMomentum, optimizer, "maxMomentum", "OneCycleLR")
        baseMomentums = try perGroup(baseMomentum, optimizer, "baseMomentum", "OneCycleLR")
        let total = Double(totalSteps)
        phases = threePhase
            ? [Phase(endStep: pctStart * total - 1, startLR: \.initialLRs, endLR: \.maxLRs,
                     startMomentum: \.maxMomentums, endMomentum: \.baseMomentums),
               Phase(endStep: 2 * pctStart * total - 2, startLR: \.maxLRs, endLR: \.initialLRs,
                     startMomentum: \.baseMomentums, endMomentum: \.maxMomentums),
               Phase(endStep: total - 1, startLR: \.initialLRs, endLR: \.minLRs,
                     startMomentum: \.maxMomentums, endMomentum: \.maxMomentums)]
            : [Phase(endStep: pctStart * total - 1, startLR: \.initialLRs, endLR: \.maxLRs,
                     startMomentum: \.maxMomentums, endMomentum: \.baseMomentums),
               Phase(endStep: total - 1, startLR: \.maxLRs, endLR: \.minLRs,
                     startMomentum: \.baseMomentums, endMomentum: \.maxMomentums)]
        for i in optimizer.paramGroups.indices {
            optimizer.paramGroups[i]["initial_lr"] = .number(initialLRs[i])
        }
        // The initial step sets each group's lr and momentum for training step 0.
        try super.init(optimizer: optimizer)
    }

    private func anneal(_ start: Double, _ end: Double, _ pct: Double) -> Double {
        switch annealStrategy {
        case .cos: return end + (start - end) / 2 * (cos(Double.pi * pct) + 1)
        case .linear: return (end - start) * pct + start
        }
    }

    public override func computeLR() throws -> [Double] {
        try OptimizerError.require(lastEpoch <= totalSteps,
            "OneCycleLR: tried to step \(lastEpoch) times; the specified number of total steps is \(totalSteps): raise totalSteps")
        let stepNumber = Double(lastEpoch)
        var lrs: [Double] = []
        for i in optimizer.paramGroups.indices {
            var start = 0.0
            for (k, phase) in phases.enumerated() {
                if stepNumber <= phase.endStep || k == phases.count - 1 {
                    let pct = (stepNumber - start) / (phase.endStep - start)
                    lrs.append(anneal(self[keyPath: phase.startLR][i], self[keyPath: phase.endLR][i], pct))
                    if cycleMomentum {
                        let momentum = anneal(self[keyPath: phase.startMomentum][i], self[keyPath: phase.endMomentum][i], pct)
                        setMomentum(momentum, group: i, useBeta1: useBeta1)
                    }
                    break
                }
                start = phase.endStep
            }
        }
        return lrs
    }
}
