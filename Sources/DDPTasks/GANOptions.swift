/// How the ``GANTask`` is built and trained.
public struct GANOptions: Sendable {
    /// Who runs the optimizer steps.
    public enum Optimization: String, CaseIterable, Sendable {
        /// The module steps both Adams itself each batch: discriminator, then generator.
        case manual
        /// The trainer steps them: each batch runs the training step once per optimizer
        /// (generator, then discriminator), or, with frequencies, one optimizer per batch.
        case automatic
    }

    /// What to generate.
    public var data: GANDataChoice
    /// The standard deviation of each gaussian of the ring (radius 2); mode coverage counts
    /// samples within 3 of these of a center. 0.1 by default: a few thousand steps place
    /// samples that close; the benchmark's classic 0.02 needs far longer training.
    public var ringStd: Float
    public var optimization: Optimization
    /// The size of the generator's input noise.
    public var latentSize: Int
    /// The width of every hidden layer of both networks.
    public var hiddenSize: Int
    /// The number of hidden layers of each network.
    public var hiddenLayers: Int
    public var generatorLearningRate: Double
    public var discriminatorLearningRate: Double
    /// Adam's betas for both optimizers (GANs usually lower the first to 0.5).
    public var beta1: Double
    public var beta2: Double
    /// Automatic optimization only: consecutive batches the generator trains on before the
    /// discriminator takes over (Lightning's optimizer `frequency`); give both or neither.
    public var generatorFrequency: Int?
    /// Automatic optimization only: consecutive batches the discriminator trains on, e.g. 2
    /// with a generator frequency of 1 for two discriminator steps per generator step.
    public var discriminatorFrequency: Int?
    /// Seeds the initial weights, the training noise and the generated data.
    public var seed: UInt64
    /// Samples generated (from fixed noise) to measure mode coverage in validation.
    public var evaluationSampleCount: Int

    public init(
        data: GANDataChoice = .ring, ringStd: Float = 0.1, optimization: Optimization = .manual, latentSize: Int = 8,
        hiddenSize: Int = 128, hiddenLayers: Int = 2,
        generatorLearningRate: Double = 1e-3, discriminatorLearningRate: Double = 1e-3,
        beta1: Double = 0.5, beta2: Double = 0.999,
        generatorFrequency: Int? = nil, discriminatorFrequency: Int? = nil,
        seed: UInt64 = 0, evaluationSampleCount: Int = 2000
    ) {
        self.data = data
        self.ringStd = ringStd
        self.optimization = optimization
        self.latentSize = latentSize
        self.hiddenSize = hiddenSize
        self.hiddenLayers = hiddenLayers
        self.generatorLearningRate = generatorLearningRate
        self.discriminatorLearningRate = discriminatorLearningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.generatorFrequency = generatorFrequency
        self.discriminatorFrequency = discriminatorFrequency
        self.seed = seed
        self.evaluationSampleCount = evaluationSampleCount
    }

    /// Throws ``TaskError`` for an option out of range or a frequency given alone.
    func validate() throws {
        try TaskError.require(latentSize > 0 && hiddenSize > 0 && hiddenLayers >= 0,
            "the GAN needs a latent size and hidden size of at least 1 and hidden layers >= 0, got \(latentSize), \(hiddenSize), \(hiddenLayers)")
        try TaskError.require(generatorLearningRate > 0 && discriminatorLearningRate > 0,
            "the GAN's learning rates must be positive, got \(generatorLearningRate) and \(discriminatorLearningRate)")
        try TaskError.require((generatorFrequency == nil) == (discriminatorFrequency == nil),
            "give the generator and the discriminator a frequency each, or neither")
        try TaskError.require([generatorFrequency, discriminatorFrequency].allSatisfy { ($0 ?? 1) >= 1 },
            "optimizer frequencies must be at least 1")
        try TaskError.require(optimization == .automatic || generatorFrequency == nil,
            "optimizer frequencies need automatic optimization (manual optimization steps both players every batch)")
        try TaskError.require(ringStd > 0, "the ring's gaussians need a positive standard deviation, got \(ringStd)")
        try TaskError.require(evaluationSampleCount > 0, "the GAN needs at least one evaluation sample")
    }
}
