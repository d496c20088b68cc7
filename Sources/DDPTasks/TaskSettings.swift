/// Everything a built-in task is built from: the model's shape, the optimizer and
/// scheduler, the data, and the parts of the run that size them.
public struct TaskSettings: Equatable, Sendable {
    /// The task's name in the registry (`classifier`, `finetune`, ...).
    public var task: String
    /// The classifier's network: `mlp` (the default) or `cnn`.
    public var model: String?
    /// Hidden layer widths (the task's default when `nil`).
    public var hidden: [Int]?
    /// The number of classes (default: one more than the largest label in the data).
    public var classes: Int?
    /// The user's optimizer choices, over the task's own.
    public var optimizer: OptimizerSettings
    public var scheduler: SchedulerSettings
    public var data: DataSettings
    /// The options of the `gan` and `cyclegan` tasks.
    public var adversarial: AdversarialSettings
    /// A safetensors file of weights (under PyTorch `state_dict` names) to start from.
    public var initFrom: String?
    /// Seeds the initial weights.
    public var seed: UInt64
    /// Samples per rank per batch (the task's default when `nil`).
    public var batchSize: Int?
    public var maxEpochs: Int
    public var maxSteps: Int?
    public var accumulateGradBatches: Int
    /// The number of ranks the task will be trained on.
    public var worldSize: Int

    public init(
        task: String = "classifier", model: String? = nil, hidden: [Int]? = nil, classes: Int? = nil,
        optimizer: OptimizerSettings = OptimizerSettings(), scheduler: SchedulerSettings = SchedulerSettings(),
        data: DataSettings = DataSettings(), adversarial: AdversarialSettings = AdversarialSettings(), initFrom: String? = nil, seed: UInt64 = 0, batchSize: Int? = nil,
        maxEpochs: Int = 20, maxSteps: Int? = nil, accumulateGradBatches: Int = 1, worldSize: Int = 1
    ) {
        self.task = task
        self.model = model
        self.hidden = hidden
        self.classes = classes
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.data = data
        self.adversarial = adversarial
        self.initFrom = initFrom
        self.seed = seed
        self.batchSize = batchSize
        self.maxEpochs = maxEpochs
        self.maxSteps = maxSteps
        self.accumulateGradBatches = accumulateGradBatches
        self.worldSize = worldSize
    }

    /// How long the run is in epochs and optimizer steps, for schedulers sized to the run.
    public func runLength(trainingCount: Int, batchSize: Int) -> SchedulerSettings.RunLength {
        let perRank = (trainingCount + worldSize - 1) / worldSize
        let batches = (perRank + batchSize - 1) / batchSize
        let stepsPerEpoch = max(1, (batches + accumulateGradBatches - 1) / accumulateGradBatches)
        let steps = min(maxSteps ?? Int.max, stepsPerEpoch * maxEpochs)
        let epochs = min(maxEpochs, (steps + stepsPerEpoch - 1) / stepsPerEpoch)
        return .init(epochs: epochs, optimizerSteps: steps)
    }
}
