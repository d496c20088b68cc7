import ArgumentParser

/// The options of `--task gan`.
public struct GANSettings: ParsableArguments, Sendable {
    @Option(help: "gan: manual (default; the module steps both Adams each batch) or automatic (the trainer steps them).")
    public var optimization: String?
    @Option(help: "gan: what to generate: ring (default; 8 gaussians) or digits.") public var ganData: String?
    @Option(help: "gan, automatic optimization: consecutive batches the generator trains on (with --discriminator-frequency).")
    public var generatorFrequency: Int?
    @Option(help: "gan, automatic optimization: consecutive batches the discriminator trains on, e.g. 2 per generator batch.")
    public var discriminatorFrequency: Int?

    public init() {}
}
