/// The options of the adversarial tasks, `gan` and `cyclegan`, as given on the command line
/// (`nil`: not given; the task's default applies). Each belongs to one task, and giving it
/// to another is an error (``rejectOptions(notFor:)``).
public struct AdversarialSettings: Equatable, Sendable {
    // gan
    /// `manual` (the module steps both Adams) or `automatic` (the trainer does).
    public var optimization: String?
    /// What the GAN generates: `ring` or `digits`.
    public var ganData: String?
    /// Automatic optimization: consecutive batches per player (Lightning's `frequency`).
    public var generatorFrequency: Int?
    public var discriminatorFrequency: Int?
    // cyclegan
    /// `single` (one Adam over the four networks) or `separate` (one Adam each).
    public var optimizers: String?
    /// Per-network learning rates of separate optimizers: generator A→B, generator B→A,
    /// discriminator of A, discriminator of B.
    public var generatorALearningRate: Double?
    public var generatorBLearningRate: Double?
    public var discriminatorALearningRate: Double?
    public var discriminatorBLearningRate: Double?
    /// How domain B is made from the digits: `inverted` or `rotated`.
    public var transform: String?
    /// The shared `ExponentialDecay` of separate optimizers: lr · rate^(step / steps).
    public var decaySteps: Int?
    public var decayRate: Double?

    public init(
        optimization: String? = nil, ganData: String? = nil, generatorFrequency: Int? = nil,
        discriminatorFrequency: Int? = nil, optimizers: String? = nil, generatorALearningRate: Double? = nil,
        generatorBLearningRate: Double? = nil, discriminatorALearningRate: Double? = nil,
        discriminatorBLearningRate: Double? = nil, transform: String? = nil, decaySteps: Int? = nil,
        decayRate: Double? = nil
    ) {
        self.optimization = optimization
        self.ganData = ganData
        self.generatorFrequency = generatorFrequency
        self.discriminatorFrequency = discriminatorFrequency
        self.optimizers = optimizers
        self.generatorALearningRate = generatorALearningRate
        self.generatorBLearningRate = generatorBLearningRate
        self.discriminatorALearningRate = discriminatorALearningRate
        self.discriminatorBLearningRate = discriminatorBLearningRate
        self.transform = transform
        self.decaySteps = decaySteps
        self.decayRate = decayRate
    }

    /// The options given, by command-line name, with the task each belongs to.
    var given: [(option: String, task: String)] {
        let options: [(String, String, Bool)] = [
            ("--optimization", "gan", optimization != nil), ("--gan-data", "gan", ganData != nil),
            ("--generator-frequency", "gan", generatorFrequency != nil),
            ("--discriminator-frequency", "gan", discriminatorFrequency != nil),
            ("--optimizers", "cyclegan", optimizers != nil), ("--lr-g-a", "cyclegan", generatorALearningRate != nil),
            ("--lr-g-b", "cyclegan", generatorBLearningRate != nil), ("--lr-d-a", "cyclegan", discriminatorALearningRate != nil),
            ("--lr-d-b", "cyclegan", discriminatorBLearningRate != nil), ("--transform", "cyclegan", transform != nil),
            ("--decay-steps", "cyclegan", decaySteps != nil), ("--decay-rate", "cyclegan", decayRate != nil),
        ]
        return options.filter(\.2).map { ($0.0, $0.1) }
    }

    /// Throws for the first option given that belongs to another task than `task`.
    public func rejectOptions(notFor task: String) throws {
        if let (option, owner) = given.first(where: { $0.task != task }) {
            throw TaskError("\(option) applies to the \(owner) task only, not to \(task)")
        }
    }

    /// The per-network learning rates given, by command-line name.
    var networkLearningRates: [String] {
        given.map(\.option).filter { $0.hasPrefix("--lr-") }
    }
}
