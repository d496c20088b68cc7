/// A linear model fitted to real-valued targets on mean squared error, with Adam and a
/// step decay of the learning rate (`StepLR`).
///
/// Weights are named as PyTorch's `nn.Linear` held as `self.linear`.
public final class LinearRegression: Module, StepLossLogging {
    public let linear: Linear
    let optimizerSettings: OptimizerSettings
    let schedulerSettings: SchedulerSettings
    let runLength: SchedulerSettings.RunLength

    public override var namedChildren: [(String, Module)] { [("linear", linear)] }

    public init(features: Int, outputs: Int = 1, optimizer: OptimizerSettings, scheduler: SchedulerSettings,
                runLength: SchedulerSettings.RunLength = .init(epochs: 1, optimizerSteps: 1),
                using generator: inout RandomGenerator) {
        linear = Linear(features, outputs, using: &generator)
        optimizerSettings = optimizer
        schedulerSettings = scheduler
        self.runLength = runLength
    }

    public func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        guard let targets = batch.targets else { throw TaskError("the regression task needs real-valued targets") }
        return mseLoss(linear(batch.inputs), targets)
    }

    public func validationStep(_ batch: Batch, batchIndex: Int) throws {
        guard let targets = batch.targets else { throw TaskError("the regression task needs real-valued targets") }
        log("val_loss", mseLoss(linear(batch.inputs), targets), progressBar: true)
    }

    public func configureOptimizers() throws -> OptimizerConfiguration {
        let optimizer = try optimizerSettings.makeOptimizer([ParamGroup(parameters())])
        return try schedulerSettings.configuration(for: optimizer, run: runLength)
    }

    /// 1,000 samples of 10 features with a target that is a fixed linear rule plus a little
    /// noise (standard deviation 0.1), the same on every machine.
    public static func builtinData() -> TensorDataset {
        var generator = RandomGenerator(seed: 2024)
        let inputs = Tensor.randn([1000, 10], using: &generator)
        let weights = Tensor.randn([10, 1], using: &generator)
        let noise = Tensor.randn([1000, 1], using: &generator) * 0.1
        return TensorDataset(inputs: inputs, targets: inputs.matmul(weights) + 0.5 + noise)
    }
}

extension TaskDescriptor {
    /// `regression`: Adam (lr 0.05) with StepLR (every 10 epochs, gamma 0.1) unless told otherwise.
    public static let linearRegression = TaskDescriptor(
        name: "regression",
        summary: "linear model on real-valued targets with Adam and StepLR"
    ) { settings, generator in
        try settings.rejectModel()
        if settings.model.hidden != nil { throw TaskError("--hidden does not apply to the regression task, a linear model") }
        if let classes = settings.model.classes { throw TaskError("--classes \(classes) does not apply to the regression task") }
        let data = try TaskData.load(settings.data, seed: settings.trainer.seed, builtin: ("the built-in linear data", LinearRegression.builtinData),
                                     labels: .regression)
        let batchSize = settings.trainer.batchSize ?? 32
        let optimizer = settings.optimizer.overTaskDefault("adam") { $0.lr = $0.lr ?? 0.05 }
        var scheduler = settings.scheduler
        if scheduler.name == nil {
            scheduler.name = "step"
            scheduler.stepSize = scheduler.stepSize ?? 10
        }
        let module = LinearRegression(features: data.featureCount, optimizer: optimizer, scheduler: scheduler,
                                      runLength: settings.runLength(trainingCount: data.training.count, batchSize: batchSize),
                                      using: &generator)
        return BuiltTask(module: module, data: data, batchSize: batchSize, shuffle: settings.data.shuffle,
                         seed: settings.trainer.seed,
                         summary: "linear regression, \(module.parameterCount) parameters, \(optimizer.name ?? "") with \(scheduler.name ?? "") scheduler")
    }
}
