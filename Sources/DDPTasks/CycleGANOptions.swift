/// How the ``CycleGANTask`` is built and trained.
public struct CycleGANOptions {
    /// Which optimizers train the four networks (all Adam with the options' betas).
    public enum Optimizers: Sendable {
        /// One Adam over all four networks.
        case single(learningRate: Double)
        /// One Adam per network, their learning rates driven together by one
        /// `ExponentialDecay` schedule (stepped once per training step).
        case sharedSchedule(ExponentialDecay)
        /// One Adam per network, each with its own constant learning rate: generator A→B
        /// (`--lr-g-a`), generator B→A (`--lr-g-b`), discriminator of domain A (`--lr-d-a`)
        /// and of domain B (`--lr-d-b`).
        case independent(generatorA: Double, generatorB: Double, discriminatorA: Double, discriminatorB: Double)

        /// Four optimizers at one learning rate.
        public static func separate(learningRate: Double) -> Optimizers {
            .independent(generatorA: learningRate, generatorB: learningRate,
                         discriminatorA: learningRate, discriminatorB: learningRate)
        }
    }

    /// How domain B is made from domain A's digits.
    public var transform: DigitTransform
    public var optimizers: Optimizers
    /// The width of every hidden layer of the four networks.
    public var hiddenSize: Int
    /// The number of hidden layers of each network.
    public var hiddenLayers: Int
    /// The weight of the cycle-consistency loss against the adversarial one (CycleGAN's λ).
    public var cycleWeight: Double
    public var beta1: Double
    public var beta2: Double
    /// Seeds the initial weights and the split of the digits into domains.
    public var seed: UInt64

    public init(
        transform: DigitTransform = .inverted, optimizers: Optimizers = .single(learningRate: 1e-3),
        hiddenSize: Int = 128, hiddenLayers: Int = 1, cycleWeight: Double = 10,
        beta1: Double = 0.5, beta2: Double = 0.999, seed: UInt64 = 0
    ) {
        self.transform = transform
        self.optimizers = optimizers
        self.hiddenSize = hiddenSize
        self.hiddenLayers = hiddenLayers
        self.cycleWeight = cycleWeight
        self.beta1 = beta1
        self.beta2 = beta2
        self.seed = seed
    }

    /// Throws ``TaskError`` for an option out of range.
    func validate() throws {
        try TaskError.require(hiddenSize > 0 && hiddenLayers >= 0,
            "the CycleGAN needs a hidden size of at least 1 and hidden layers >= 0, got \(hiddenSize) and \(hiddenLayers)")
        try TaskError.require(cycleWeight >= 0, "the cycle-consistency weight must be >= 0, got \(cycleWeight)")
        let rates: [Double]
        switch optimizers {
        case .single(let rate): rates = [rate]
        case .sharedSchedule(let schedule):
            rates = [schedule.initialLearningRate]
            try TaskError.require(schedule.decaySteps > 0 && schedule.decayRate > 0,
                "the shared schedule needs decay steps and a decay rate above 0, got \(schedule.decaySteps) and \(schedule.decayRate)")
        case let .independent(gA, gB, dA, dB): rates = [gA, gB, dA, dB]
        }
        try TaskError.require(rates.allSatisfy { $0 > 0 }, "the CycleGAN's learning rates must be positive, got \(rates)")
    }
}
