import ArgumentParser

/// The options of `--task gan` and `--task cyclegan`; another task rejects them.
struct AdversarialOptions: ParsableArguments {
    @Option(help: "gan: manual (default; the module steps both Adams each batch) or automatic (the trainer steps them).")
    var optimization: String?
    @Option(help: "gan: what to generate: ring (default; 8 gaussians) or digits.") var ganData: String?
    @Option(help: "gan, automatic optimization: consecutive batches the generator trains on (with --discriminator-frequency).")
    var generatorFrequency: Int?
    @Option(help: "gan, automatic optimization: consecutive batches the discriminator trains on, e.g. 2 per generator batch.")
    var discriminatorFrequency: Int?
    @Option(help: "cyclegan: single (default; one Adam over all four networks) or separate (one Adam per network).")
    var optimizers: String?
    @Option(name: .customLong("lr-g-a"), help: "cyclegan, separate optimizers: learning rate of generator A→B (default --lr).")
    var lrGA: Double?
    @Option(name: .customLong("lr-g-b"), help: "cyclegan, separate optimizers: learning rate of generator B→A.")
    var lrGB: Double?
    @Option(name: .customLong("lr-d-a"), help: "cyclegan, separate optimizers: learning rate of domain A's discriminator.")
    var lrDA: Double?
    @Option(name: .customLong("lr-d-b"), help: "cyclegan, separate optimizers: learning rate of domain B's discriminator.")
    var lrDB: Double?
    @Option(help: "cyclegan: domain B is the digits inverted (default) or rotated a quarter turn.") var transform: String?
    @Option(help: "cyclegan, separate optimizers: one exponential decay for all four, lr × rate^(step / decay-steps).")
    var decaySteps: Int?
    @Option(help: "cyclegan: the decay's factor per --decay-steps optimizer steps (e.g. 0.5).") var decayRate: Double?
}
