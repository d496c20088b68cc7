/// Multinomial logistic regression fitted with L-BFGS on the whole training set at once:
/// each optimizer step is one batch of all samples, and L-BFGS calls the trainer's closure
/// (forward, backward, gradient averaging over ranks) as often as its line search needs.
///
/// The loss adds an L2 penalty on the weights (as scikit-learn's logistic regression does), so
/// that separable data still has a finite optimum for L-BFGS to converge to.
///
/// Weights are named as PyTorch's `nn.Linear` held as `self.linear` (`linear.weight`, `linear.bias`).
public final class LogisticRegressionLBFGS: Module, ClassificationTask {
    public let linear: Linear
    /// The factor of the squared weights' sum in the training loss.
    public static let weightPenalty: Float = 1e-4
    let optimizerSettings: OptimizerSettings
    let schedulerSettings: SchedulerSettings
    let runLength: SchedulerSettings.RunLength

    public override var namedChildren: [(String, Module)] { [("linear", linear)] }

    public init(features: Int, classes: Int, optimizer: OptimizerSettings,
                scheduler: SchedulerSettings = .parsedDefaults,
                runLength: SchedulerSettings.RunLength = .init(epochs: 1, optimizerSteps: 1),
                using generator: inout RandomGenerator) {
        linear = Linear(features, classes, using: &generator)
        optimizerSettings = optimizer
        schedulerSettings = scheduler
        self.runLength = runLength
    }

    public func logits(_ inputs: Tensor) -> Tensor { linear(inputs) }

    /// Cross-entropy plus the L2 penalty; validation reports the cross-entropy alone.
    public func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        crossEntropy(linear(batch.inputs), targets: batch.labels) + Self.weightPenalty * (linear.weight * linear.weight).sum()
    }

    public func configureOptimizers() throws -> OptimizerConfiguration {
        let optimizer = try optimizerSettings.makeOptimizer([ParamGroup(parameters())])
        return try schedulerSettings.configuration(for: optimizer, run: runLength)
    }
}

extension TaskDescriptor {
    /// `lbfgs`: L-BFGS (lr 1, strong Wolfe line search) on full batches: each rank takes its
    /// share of the whole training set unless `--batch-size` says otherwise.
    public static let logisticRegressionLBFGS = TaskDescriptor(
        name: "lbfgs",
        summary: "full-batch logistic regression with L-BFGS and a closure"
    ) { settings, generator in
        try settings.rejectModel()
        if let hidden = settings.model.hidden?.elements {
            throw TaskError("--hidden \(hidden.map(String.init).joined(separator: ",")) does not apply to the lbfgs task, a linear model")
        }
        let data = try TaskData.load(settings.data, seed: settings.trainer.seed, builtin: ("the built-in digits", { try Digits.load() }),
                                     labels: .classes, classCount: settings.model.classes)
        let batchSize = settings.trainer.batchSize ?? (data.training.count + settings.worldSize - 1) / settings.worldSize
        let optimizer = settings.optimizer.overTaskDefault("lbfgs") {
            $0.lr = $0.lr ?? 1
            $0.lineSearch = $0.lineSearch ?? "strong_wolfe"
        }
        let module = LogisticRegressionLBFGS(
            features: data.featureCount, classes: data.classCount, optimizer: optimizer, scheduler: settings.scheduler,
            runLength: settings.runLength(trainingCount: data.training.count, batchSize: batchSize),
            using: &generator)
        return BuiltTask(module: module, data: data, batchSize: batchSize, shuffle: settings.data.shuffle,
                         seed: settings.trainer.seed,
                         summary: "logistic regression, \(module.parameterCount) parameters, \(optimizer.name ?? "") on batches of \(batchSize) per rank")
    }
}
