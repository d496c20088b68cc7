extension CycleGANOptions {
    /// The two ways of laying out the optimizers, as named on a command line.
    public enum Layout: String, CaseIterable, Sendable {
        /// One Adam over all four networks.
        case single
        /// One Adam per network.
        case separate
    }
}

extension CycleGANOptions.Optimizers {
    /// The optimizers a command line describes.
    ///
    /// - `single`: one Adam at `learningRate`.
    /// - `separate` with `decaySteps` and `decayRate`: four Adams sharing an
    ///   `ExponentialDecay` from `learningRate`.
    /// - `separate` otherwise: four Adams, each at its own rate where given, else at
    ///   `learningRate`.
    ///
    /// - Throws: ``TaskError`` when per-network rates come with one optimizer or with a shared
    ///   schedule (which sets one rate for all four), or when only one of the decay values is
    ///   given.
    public init(
        layout: CycleGANOptions.Layout, learningRate: Double,
        generatorA: Double? = nil, generatorB: Double? = nil, discriminatorA: Double? = nil, discriminatorB: Double? = nil,
        decaySteps: Int? = nil, decayRate: Double? = nil
    ) throws {
        let perNetwork = [generatorA, generatorB, discriminatorA, discriminatorB].contains { $0 != nil }
        try TaskError.require((decaySteps == nil) == (decayRate == nil),
            "a shared learning-rate schedule needs both decay steps and a decay rate")
        switch layout {
        case .single:
            try TaskError.require(!perNetwork, "per-network learning rates need separate optimizers")
            try TaskError.require(decaySteps == nil, "a shared learning-rate schedule needs separate optimizers")
            self = .single(learningRate: learningRate)
        case .separate:
            if let decaySteps, let decayRate {
                try TaskError.require(!perNetwork,
                    "a shared learning-rate schedule gives all four optimizers one rate: drop the per-network learning rates or the schedule")
                self = .sharedSchedule(ExponentialDecay(initialLearningRate: learningRate, decaySteps: decaySteps, decayRate: decayRate))
            } else {
                self = .independent(
                    generatorA: generatorA ?? learningRate, generatorB: generatorB ?? learningRate,
                    discriminatorA: discriminatorA ?? learningRate, discriminatorB: discriminatorB ?? learningRate)
            }
        }
    }
}
