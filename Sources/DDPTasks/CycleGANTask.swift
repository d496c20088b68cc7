/// A CycleGAN between two unpaired domains of digits (see ``DigitDomains``): generator A→B
/// and generator B→A, a least-squares discriminator per domain, and a cycle-consistency
/// loss that asks each translation to be undone by the other.
///
/// Every layout of ``CycleGANOptions/Optimizers`` computes the same losses and updates the
/// four networks together once per batch: the generators' loss with the discriminators
/// frozen, the discriminators' loss on detached translations, then every optimizer steps
/// (manual optimization, so one step may cover all four networks).
///
///     let task = try CycleGANTask(CycleGANOptions(optimizers: .separate(learningRate: 1e-3)))
///     let (train, validation) = try task.loaders(batchSize: 64 / worldSize)
///     try Trainer(maxEpochs: 20, communicator: communicator).fit(task, train: train, validation: validation)
///
/// Logged names (training values averaged over ranks, so each is the global batch's):
/// - `adv_loss`: the generators' adversarial loss, `Σ (D(G(x)) − 1)²` over both directions.
/// - `cycle_loss`: the cycle-consistency error, `|G_BA(G_AB(a)) − a| + |G_AB(G_BA(b)) − b|`
///   (mean absolute pixel error of each direction, summed).
/// - `g_loss`: the generators' objective, `adv_loss + cycleWeight · cycle_loss`.
/// - `d_loss`: the discriminators' least-squares loss on real and translated images
///   (each domain's halved, summed over both domains).
/// - `train_loss`: `g_loss + d_loss`, everything the step minimises (the total loss one
///   optimizer over all four networks sees); as in any GAN it is a readout of the game,
///   while `cycle_loss` shows learning.
/// - `val_cycle_loss` (validation): `cycle_loss` on held-out digits and their transforms.
/// - `val_translation_error` (validation): the mean absolute pixel error of each
///   translation against the true transform (A→B) or the original (B→A), summed.
public final class CycleGANTask: Module, TrainingModule {
    public let options: CycleGANOptions
    public let domains: DigitDomains
    /// Translates domain A (digits) to domain B (transformed digits).
    public let generatorAB: Sequential
    /// Translates domain B back to domain A.
    public let generatorBA: Sequential
    /// Tells real domain-A images from translated ones.
    public let discriminatorA: Sequential
    /// Tells real domain-B images from translated ones.
    public let discriminatorB: Sequential

    public override var namedChildren: [(String, Module)] {
        [("generator_ab", generatorAB), ("generator_ba", generatorBA),
         ("discriminator_a", discriminatorA), ("discriminator_b", discriminatorB)]
    }
    public var automaticOptimization: Bool { false }

    /// Builds the networks and the domains. Throws ``TaskError`` for options out of range.
    public init(_ options: CycleGANOptions = CycleGANOptions()) throws {
        try options.validate()
        self.options = options
        domains = try DigitDomains(transform: options.transform, seed: options.seed)
        let hidden = Array(repeating: options.hiddenSize, count: options.hiddenLayers)
        func generator(_ seed: UInt64) -> Sequential {
            perceptron([64] + hidden + [64], activation: { ReLU() }, output: Tanh(), seed: seed)
        }
        func discriminator(_ seed: UInt64) -> Sequential {
            perceptron([64] + hidden + [1], activation: { LeakyReLU(negativeSlope: 0.2) }, seed: seed)
        }
        generatorAB = generator(options.seed &+ 1)
        generatorBA = generator(options.seed &+ 2)
        discriminatorA = discriminator(options.seed &+ 3)
        discriminatorB = discriminator(options.seed &+ 4)
    }

    /// Loaders over the unpaired training domains (shuffled) and the held-out pairs, with
    /// `batchSize` samples per rank; the trainer shards them over the ranks.
    public func loaders(batchSize: Int, validationBatchSize: Int = 256) throws -> (training: DataLoader, validation: DataLoader) {
        (try DataLoader(domains.training, batchSize: batchSize, seed: options.seed),
         try DataLoader(domains.validation, batchSize: validationBatchSize, shuffle: false))
    }

    /// The cycle-consistency error of domain-A images `a` and domain-B images `b`, without
    /// gradients (as logged in `cycle_loss`).
    public func cycleError(a: Tensor, b: Tensor) -> Double {
        noGrad { Double(cycleLoss(a: a, b: b, translatedB: generatorAB(a), translatedA: generatorBA(b)).item) }
    }

    // MARK: Losses

    func cycleLoss(a: Tensor, b: Tensor, translatedB: Tensor, translatedA: Tensor) -> Tensor {
        l1Loss(generatorBA(translatedB), a) + l1Loss(generatorAB(translatedA), b)
    }

    /// Least squares: real images towards 1, translated ones towards 0.
    func discriminatorLoss(_ discriminator: Sequential, real: Tensor, translated: Tensor) -> Tensor {
        let realScores = discriminator(real), translatedScores = discriminator(translated)
        return (mseLoss(realScores, Tensor.ones(realScores.shape)) + mseLoss(translatedScores, Tensor.zeros(translatedScores.shape))) * 0.5
    }

    // MARK: Training

    public func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let a = batch.inputs, b = batch.targets!
        let all: [ManagedOptimizer] = optimizers()
        for optimizer in all { optimizer.zeroGrad() }

        let translatedB = generatorAB(a), translatedA = generatorBA(b)
        // The generators' loss must not train the discriminators.
        let (adversarial, cycle) = withFrozenParameters(of: [discriminatorA, discriminatorB]) {
            let scoreB = discriminatorB(translatedB), scoreA = discriminatorA(translatedA)
            return (mseLoss(scoreB, Tensor.ones(scoreB.shape)) + mseLoss(scoreA, Tensor.ones(scoreA.shape)),
                    cycleLoss(a: a, b: b, translatedB: translatedB, translatedA: translatedA))
        }
        let generatorsLoss = adversarial + cycle * Float(options.cycleWeight)
        try manualBackward(generatorsLoss)

        // Detached translations: the discriminators' loss does not reach the generators.
        let discriminatorsLoss = discriminatorLoss(discriminatorA, real: a, translated: translatedA.detached())
            + discriminatorLoss(discriminatorB, real: b, translated: translatedB.detached())
        try manualBackward(discriminatorsLoss)

        for optimizer in all { try optimizer.step() }
        if case .sharedSchedule = options.optimizers, let schedule = lrSchedulers().first { try schedule.step() }

        log("adv_loss", adversarial, syncDist: true)
        log("cycle_loss", cycle, progressBar: true, syncDist: true)
        log("g_loss", generatorsLoss, progressBar: true, syncDist: true)
        log("d_loss", discriminatorsLoss, progressBar: true, syncDist: true)
        log("train_loss", Double(generatorsLoss.item) + Double(discriminatorsLoss.item), syncDist: true)
        return nil
    }

    public func validationStep(_ batch: Batch, batchIndex: Int) throws {
        let a = batch.inputs, b = batch.targets!
        let translatedB = generatorAB(a), translatedA = generatorBA(b)
        log("val_cycle_loss", cycleLoss(a: a, b: b, translatedB: translatedB, translatedA: translatedA))
        log("val_translation_error", l1Loss(translatedB, b) + l1Loss(translatedA, a))
    }

    public func configureOptimizers() throws -> OptimizerConfiguration {
        let betas = (options.beta1, options.beta2)
        let networks = [generatorAB, generatorBA, discriminatorA, discriminatorB]
        switch options.optimizers {
        case .single(let learningRate):
            return OptimizerConfiguration(try Adam(parameters(), lr: learningRate, betas: betas))
        case .sharedSchedule(let schedule):
            let adams = try networks.map { try Adam($0.parameters(), lr: schedule.initialLearningRate, betas: betas) }
            return OptimizerConfiguration(optimizers: adams, schedulers: [try ScheduledLR(schedule, optimizers: adams)])
        case let .independent(gA, gB, dA, dB):
            return OptimizerConfiguration(optimizers: try zip(networks, [gA, gB, dA, dB]).map { network, learningRate in
                try Adam(network.parameters(), lr: learningRate, betas: betas)
            })
        }
    }
}
