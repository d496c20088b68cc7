extension TaskDescriptor {
    /// The CycleGAN's global batch when `--batch-size` is not given: split over the ranks,
    /// so the default run trains alike on any number of them.
    public static let cycleGANGlobalBatchSize = 16

    /// `cyclegan`: ``CycleGANTask`` between the digits and their `--transform`; one Adam over
    /// the four networks (`--optimizers single`, the default) or one each (`separate`), at
    /// `--lr` (1e-3) or per network (`--lr-g-a`, ...), or sharing an exponential decay
    /// (`--decay-steps`, `--decay-rate`).
    public static let cycleGAN = TaskDescriptor(
        name: "cyclegan",
        summary: "CycleGAN (two generators, two discriminators) between the digits and their --transform inverted|rotated"
    ) { settings, _ in
        try settings.checkAdversarialOptions()
        let given = settings.adversarial.cycleGAN
        guard let layout = CycleGANOptions.Layout(rawValue: given.optimizers ?? "single") else {
            throw TaskError("--optimizers takes single or separate, got '\(given.optimizers ?? "")'")
        }
        guard let transform = DigitTransform(rawValue: given.transform ?? "inverted") else {
            throw TaskError("--transform takes inverted or rotated, got '\(given.transform ?? "")'")
        }
        let rates = given.networkLearningRates
        let decay = given.decaySteps != nil || given.decayRate != nil
        if layout == .single {
            if let option = rates.first {
                throw TaskError("\(option) needs --optimizers separate (--optimizers single is one Adam at --lr)")
            }
            try TaskError.require(!decay, "--decay-steps and --decay-rate need --optimizers separate (they decay four optimizers together)")
        }
        if decay {
            try TaskError.require(given.decaySteps != nil && given.decayRate != nil, "give --decay-steps and --decay-rate together")
            try TaskError.require(rates.isEmpty,
                "\(rates.joined(separator: ", ")) and a shared decay both set the learning rates: the decay starts all four at --lr")
        }
        for (option, rate) in zip(["--lr-g-a", "--lr-g-b", "--lr-d-a", "--lr-d-b"],
                                  [given.lrGA, given.lrGB, given.lrDA, given.lrDB]) {
            if let rate { try TaskError.require(rate > 0, "\(option) must be positive, got \(rate)") }
        }
        if let steps = given.decaySteps { try TaskError.require(steps >= 1, "--decay-steps must be at least 1, got \(steps)") }
        if let rate = given.decayRate { try TaskError.require(rate > 0, "--decay-rate must be positive, got \(rate)") }
        let lr = settings.optimizer.lr ?? 1e-3
        let optimizers = try CycleGANOptions.Optimizers(
            layout: layout, learningRate: lr,
            generatorA: given.lrGA, generatorB: given.lrGB, discriminatorA: given.lrDA, discriminatorB: given.lrDB,
            decaySteps: given.decaySteps, decayRate: given.decayRate)
        let (beta1, beta2) = try settings.adversarialBetas()
        let hidden = try settings.hiddenShape(default: (128, 1))
        let module = try CycleGANTask(CycleGANOptions(
            transform: transform, optimizers: optimizers, hiddenSize: hidden.size, hiddenLayers: hidden.layers,
            beta1: beta1, beta2: beta2, seed: settings.trainer.seed))
        let batchSize = settings.trainer.batchSize ?? (cycleGANGlobalBatchSize + settings.worldSize - 1) / settings.worldSize
        let taskData = TaskData(training: module.domains.training, validation: settings.heldOut(module.domains.validation),
                                sampleShape: [64], classCount: 0, source: "the built-in digits and their \(transform) forms")
        return BuiltTask(module: module, data: taskData, batchSize: batchSize, shuffle: settings.data.shuffle,
                         seed: settings.trainer.seed,
                         summary: "CycleGAN, \(module.parameterCount) parameters, \(describe(optimizers))")
    }

    private static func describe(_ optimizers: CycleGANOptions.Optimizers) -> String {
        switch optimizers {
        case .single(let lr): return "one Adam at lr \(lr)"
        case .sharedSchedule(let decay):
            return "four Adams from lr \(decay.initialLearningRate) decaying by \(decay.decayRate) every \(decay.decaySteps) steps"
        case let .independent(gA, gB, dA, dB):
            return "four Adams at lr \(gA) (G A→B), \(gB) (G B→A), \(dA) (D A), \(dB) (D B)"
        }
    }
}
