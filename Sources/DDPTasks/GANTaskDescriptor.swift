extension TaskDescriptor {
    /// The GAN's global batch when `--batch-size` is not given: split over the ranks, so
    /// the default run trains alike on any number of them.
    public static let ganGlobalBatchSize = 128

    /// `gan`: ``GANTask`` on the 8-gaussian ring (or `--gan-data digits`), two Adams (lr
    /// 1e-3, betas 0.5, 0.999), stepped by the module (`--optimization manual`) or by the
    /// trainer (`automatic`, optionally with `--generator-frequency` and
    /// `--discriminator-frequency`).
    public static let gan = TaskDescriptor(
        name: "gan",
        summary: "SimpleGAN (generator and discriminator, two Adams) on an 8-gaussian ring or --gan-data digits"
    ) { settings, _ in
        try settings.checkAdversarialOptions()
        let given = settings.adversarial.gan
        guard let optimization = GANOptions.Optimization(rawValue: given.optimization ?? "manual") else {
            throw TaskError("--optimization takes manual or automatic, got '\(given.optimization ?? "")'")
        }
        guard let data = GANDataChoice(rawValue: given.ganData ?? "ring") else {
            throw TaskError("--gan-data takes ring or digits, got '\(given.ganData ?? "")'")
        }
        let frequencies = [given.generatorFrequency, given.discriminatorFrequency]
        if frequencies.contains(where: { $0 != nil }) {
            try TaskError.require(optimization == .automatic,
                "--generator-frequency and --discriminator-frequency need --optimization automatic (manual optimization steps both players every batch)")
            try TaskError.require(!frequencies.contains(nil), "give --generator-frequency and --discriminator-frequency together, or neither")
            try TaskError.require(frequencies.allSatisfy { $0! >= 1 },
                "--generator-frequency and --discriminator-frequency must be at least 1, got \(frequencies.map { String($0!) }.joined(separator: " and "))")
        }
        let (beta1, beta2) = try settings.adversarialBetas()
        let hidden = try settings.hiddenShape(default: (data == .digits ? 256 : 128, 2))
        let lr = settings.optimizer.lr ?? 1e-3
        let module = try GANTask(GANOptions(
            data: data, optimization: optimization, hiddenSize: hidden.size, hiddenLayers: hidden.layers,
            generatorLearningRate: lr, discriminatorLearningRate: lr, beta1: beta1, beta2: beta2,
            generatorFrequency: given.generatorFrequency, discriminatorFrequency: given.discriminatorFrequency,
            seed: settings.trainer.seed))
        let batchSize = settings.trainer.batchSize ?? (ganGlobalBatchSize + settings.worldSize - 1) / settings.worldSize
        let source = data == .ring ? "the 8-gaussian ring" : "the built-in digits"
        let taskData = TaskData(training: module.data.training, validation: settings.heldOut(module.data.validation),
                                sampleShape: [module.data.dimension], classCount: 0, source: source)
        let stepping = frequencies.contains(nil)
            ? "\(optimization) optimization"
            : "automatic optimization, generator \(given.generatorFrequency!) : discriminator \(given.discriminatorFrequency!) batches"
        return BuiltTask(module: module, data: taskData, batchSize: batchSize, shuffle: settings.data.shuffle,
                         seed: settings.trainer.seed,
                         summary: "GAN, \(module.parameterCount) parameters, two Adams at lr \(lr), \(stepping)")
    }
}
