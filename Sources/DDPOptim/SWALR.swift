import Foundation

/// Anneals each group's learning rate to a fixed SWA learning rate over `annealEpochs` steps
/// and keeps it there, as `torch.optim.swa_utils.SWALR` (used by stochastic weight averaging).
///
/// Each step moves from the group's current lr, so it starts from whatever lr training
/// reached: with α(t) the annealing curve at t = step / annealEpochs (clamped to [0, 1]),
/// lr ← swa_lr · α(t) + lr₀ · (1 − α(t)), where lr₀ is the lr the previous step's α implies.
public final class SWALR: ChainableScheduler {
    public enum AnnealStrategy: String, Sendable {
        /// (1 − cos(π t)) / 2.
        case cos
        /// t.
        case linear
    }

    /// The learning rate each group anneals to.
    public let swaLRs: [Double]
    public let annealEpochs: Int
    public let annealStrategy: AnnealStrategy

    /// - Parameters:
    ///   - swaLRs: one value for every group, or one for all; each stored as the group's `swa_lr`.
    ///   - lastEpoch: torch's `last_epoch` (`-1`: a fresh schedule). It only sets the counter
    ///     saved in state dicts; the annealing counts the steps taken.
    /// - Throws: ``OptimizerError`` for a negative `annealEpochs` or the wrong number of values.
    public init(_ optimizer: any Optimizer, swaLRs: [Double], annealEpochs: Int = 10,
                annealStrategy: AnnealStrategy = .cos, lastEpoch: Int = -1) throws {
        try OptimizerError.require(annealEpochs >= 0, "SWALR: annealEpochs must be >= 0, got \(annealEpochs)")
        let values = try perGroup(swaLRs, optimizer, "swaLRs", "SWALR")
        for (index, value) in values.enumerated() { optimizer.paramGroups[index]["swa_lr"] = .number(value) }
        self.swaLRs = values
        self.annealEpochs = annealEpochs
        self.annealStrategy = annealStrategy
        try super.init(optimizer: optimizer)
        if lastEpoch != -1 { self.lastEpoch += lastEpoch + 1 }
    }

    private func anneal(_ t: Double) -> Double {
        switch annealStrategy {
        case .cos: (1 - cos(Double.pi * t)) / 2
        case .linear: t
        }
    }

    public override func computeLR() throws -> [Double] {
        var step = stepCount - 1
        if annealEpochs == 0 { step = max(1, step) }
        let span = Double(max(1, annealEpochs))
        let previousAlpha = anneal(max(0, min(1, Double(step - 1) / span)))
        let alpha = anneal(max(0, min(1, Double(step) / span)))
        return zip(currentLRs, swaLRs).map { lr, swaLR in
            let previousLR = previousAlpha == 1 ? swaLR : (lr - previousAlpha * swaLR) / (1 - previousAlpha)
            return swaLR * alpha + previousLR * (1 - alpha)
        }
    }
}
