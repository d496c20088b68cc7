import ArgumentParser

/// The options of `--task cyclegan`.
public struct CycleGANSettings: ParsableArguments, Sendable {
    @Option(help: "cyclegan: single (default; one Adam over all four networks) or separate (one Adam per network).")
    public var optimizers: String?
    @Option(name: .customLong("lr-g-a"), help: "cyclegan, separate optimizers: learning rate of generator A→B (default --lr).")
    public var lrGA: Double?
    @Option(name: .customLong("lr-g-b"), help: "cyclegan, separate optimizers: learning rate of generator B→A.")
    public var lrGB: Double?
    @Option(name: .customLong("lr-d-a"), help: "cyclegan, separate optimizers: learning rate of domain A's discriminator.")
    public var lrDA: Double?
    @Option(name: .customLong("lr-d-b"), help: "cyclegan, separate optimizers: learning rate of domain B's discriminator.")
    public var lrDB: Double?
    @Option(help: "cyclegan: domain B is the digits inverted (default) or rotated a quarter turn.") public var transform: String?
    @Option(help: "cyclegan, separate optimizers: one exponential decay for all four, lr × rate^(step / decay-steps).")
    public var decaySteps: Int?
    @Option(help: "cyclegan: the decay's factor per --decay-steps optimizer steps (e.g. 0.5).") public var decayRate: Double?

    public init() {}

    /// The per-network learning rates given, by command-line name.
    var networkLearningRates: [String] {
        givenOptionKeys.filter { $0.hasPrefix("lr-") }.map { "--\($0)" }
    }
}
