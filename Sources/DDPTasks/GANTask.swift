/// A generative adversarial network: a generator turns gaussian noise into samples and a
/// discriminator learns to tell them from real ones (Lightning's `SimpleGAN`, with a
/// non-saturating generator loss and an Adam per network).
///
/// On the 8-gaussian ring a well-trained generator puts samples near every one of the
/// eight centers (mode coverage 8/8); on the digits its samples come close to the mean
/// images of the ten classes.
///
///     let task = try GANTask(GANOptions(data: .ring))
///     let (train, validation) = try task.loaders(batchSize: 128 / worldSize)
///     try Trainer(maxSteps: 2000, communicator: communicator).fit(task, train: train, validation: validation)
///
/// The noise of each training batch comes from ``BatchNoise``, keyed by the trainer's
/// `batchesSeen`: a global batch gets the same noise on any number of ranks, so a run on N
/// ranks trains like one process reading the same global batches.
///
/// Logged names (training values averaged over ranks, so each is the global batch's):
/// - `d_loss`: the discriminator's binary cross-entropy on real plus generated samples.
/// - `g_loss`: the generator's non-saturating loss, `BCE(D(G(z)), real)`.
/// - `train_loss`: `d_loss + g_loss` on batches where both players train. A GAN has no
///   single loss to minimise (each player's loss is the other's gain), so this is a
///   readout of the game, not a convergence measure; with optimizer frequencies a batch
///   trains one player and `train_loss` is not logged.
/// - `mode_coverage` (validation): modes that receive at least a tenth of a fair share of
///   high-quality samples among ``GANOptions/evaluationSampleCount`` samples generated from
///   fixed noise (the same on every rank).
/// - `high_quality_fraction` (validation): the share of those samples within 3 standard
///   deviations of their nearest mode.
/// - `val_real_accuracy` (validation): the share of held-out real samples the
///   discriminator calls real.
public final class GANTask: Module, TrainingModule {
    public let options: GANOptions
    public let data: GANData
    public let generator: Sequential
    public let discriminator: Sequential
    let noise: BatchNoise

    public override var namedChildren: [(String, Module)] { [("generator", generator), ("discriminator", discriminator)] }
    public var automaticOptimization: Bool { options.optimization == .automatic }

    /// Builds the networks and the data. Throws ``TaskError`` for inconsistent options.
    public init(_ options: GANOptions = GANOptions()) throws {
        try options.validate()
        self.options = options
        switch options.data {
        case .ring: data = try GANData.ring(std: options.ringStd, seed: options.seed)
        case .digits: data = try GANData.digits(seed: options.seed)
        }
        let hidden = Array(repeating: options.hiddenSize, count: options.hiddenLayers)
        generator = perceptron([options.latentSize] + hidden + [data.dimension],
                               activation: { LeakyReLU(negativeSlope: 0.2) },
                               output: options.data == .digits ? Tanh() : nil, seed: options.seed &+ 1)
        discriminator = perceptron([data.dimension] + hidden + [1],
                                   activation: { LeakyReLU(negativeSlope: 0.2) }, seed: options.seed &+ 2)
        noise = BatchNoise(seed: options.seed &+ 3, dimension: options.latentSize)
    }

    /// Loaders over the training samples (shuffled) and the held-out ones, with
    /// `batchSize` samples per rank; the trainer shards them over the ranks.
    public func loaders(batchSize: Int, validationBatchSize: Int = 512) throws -> (training: DataLoader, validation: DataLoader) {
        (try DataLoader(data.training, batchSize: batchSize, seed: options.seed),
         try DataLoader(data.validation, batchSize: validationBatchSize, shuffle: false))
    }

    /// Generator samples for `latent` noise `[n, latentSize]`, without gradients.
    public func generate(_ latent: Tensor) -> Tensor { noGrad { generator(latent) } }

    /// How samples from fixed evaluation noise cover the data's modes.
    public func sampleQuality() throws -> ModeCoverage {
        try data.modeCoverage(of: generate(noise.evaluationRows(options.evaluationSampleCount)))
    }

    // MARK: Training

    /// This rank's noise for the current batch (see ``BatchNoise``).
    func latent(for batch: Batch) -> Tensor {
        noise.rows(batchNumber: trainer.batchesSeen, localCount: batch.count, rank: trainer.rank, worldSize: trainer.worldSize)
    }

    func discriminatorLoss(real: Tensor, generated: Tensor) -> Tensor {
        let count = real.shape[0]
        return binaryCrossEntropyWithLogits(discriminator(real), targets: Tensor.ones([count, 1]))
            + binaryCrossEntropyWithLogits(discriminator(generated), targets: Tensor.zeros([generated.shape[0], 1]))
    }

    /// The non-saturating loss: the generator maximises log D(G(z)).
    func generatorLoss(generated: Tensor) -> Tensor {
        binaryCrossEntropyWithLogits(discriminator(generated), targets: Tensor.ones([generated.shape[0], 1]))
    }

    public func trainingStep(_ batch: Batch, batchIndex: Int, optimizerIndex: Int) throws -> Tensor? {
        automaticOptimization
            ? automaticStep(batch, optimizerIndex: optimizerIndex)
            : try manualStep(batch)
    }

    /// The seed's loop: a discriminator step on real and (detached) generated samples, then
    /// a generator step through the updated discriminator on the same samples.
    private func manualStep(_ batch: Batch) throws -> Tensor? {
        let (generatorOptimizer, discriminatorOptimizer): (ManagedOptimizer, ManagedOptimizer) = optimizers()
        let generated = generator(latent(for: batch))

        let dLoss = discriminatorLoss(real: batch.inputs, generated: generated.detached())
        discriminatorOptimizer.zeroGrad()
        try manualBackward(dLoss)
        try discriminatorOptimizer.step()

        // Toggled, the discriminator's weights get no gradient from the generator's loss.
        toggleOptimizer(generatorOptimizer)
        let gLoss = generatorLoss(generated: generated)
        generatorOptimizer.zeroGrad()
        try manualBackward(gLoss)
        try generatorOptimizer.step()
        untoggleOptimizer(generatorOptimizer)

        log("d_loss", dLoss, progressBar: true, syncDist: true)
        log("g_loss", gLoss, progressBar: true, syncDist: true)
        log("train_loss", dLoss + gLoss, syncDist: true)
        return nil
    }

    /// The generator's loss of the current batch, kept for `train_loss` at the
    /// discriminator's turn of the same batch.
    private var generatorLossThisBatch: Double?

    /// Optimizer 0 trains the generator, optimizer 1 the discriminator (the trainer toggles
    /// the other's weights off); both draw the batch's same noise.
    private func automaticStep(_ batch: Batch, optimizerIndex: Int) -> Tensor? {
        let z = latent(for: batch)
        if optimizerIndex == 0 {
            let gLoss = generatorLoss(generated: generator(z))
            log("g_loss", gLoss, progressBar: true, syncDist: true)
            generatorLossThisBatch = Double(gLoss.item)
            return gLoss
        }
        let dLoss = discriminatorLoss(real: batch.inputs, generated: generate(z))
        log("d_loss", dLoss, progressBar: true, syncDist: true)
        if options.generatorFrequency == nil, let gLoss = generatorLossThisBatch {
            log("train_loss", Double(dLoss.item) + gLoss, syncDist: true)
        }
        return dLoss
    }

    public func onTrainBatchStart(_ batch: Batch, batchIndex: Int) throws { generatorLossThisBatch = nil }

    public func validationStep(_ batch: Batch, batchIndex: Int) throws {
        let realAccuracy = discriminator(batch.inputs).scalars.filter { $0 > 0 }.count
        log("val_real_accuracy", Double(realAccuracy) / Double(batch.count))
        if batchIndex == 0 {
            // The same generated set on every rank, so the rank average is this value.
            let quality = try sampleQuality()
            log("mode_coverage", Double(quality.coveredModes), progressBar: true)
            log("high_quality_fraction", quality.highQualityFraction, progressBar: true)
        }
    }

    public func configureOptimizers() throws -> OptimizerConfiguration {
        let betas = (options.beta1, options.beta2)
        let generatorAdam = try Adam(generator.parameters(), lr: options.generatorLearningRate, betas: betas)
        let discriminatorAdam = try Adam(discriminator.parameters(), lr: options.discriminatorLearningRate, betas: betas)
        return OptimizerConfiguration([
            OptimizerEntry(generatorAdam, frequency: options.generatorFrequency),
            OptimizerEntry(discriminatorAdam, frequency: options.discriminatorFrequency),
        ])
    }
}
