/// Fine-tunes a classifier with two learning rates: the feature extractor (often
/// pretrained, see `--init-from`) at a tenth of the head's, through two parameter groups of
/// one optimizer (PyTorch's per-group options).
///
/// Weights are named as the PyTorch module with `feature_extractor = nn.Sequential(...)` and
/// `classifier = nn.Sequential(nn.Linear(...))`, so a file exported from it loads, with or
/// without the head.
public final class FineTuning: Module, ClassificationTask {
    public let featureExtractor: Sequential
    public let classifier: Sequential
    let optimizerSettings: OptimizerSettings
    let schedulerSettings: SchedulerSettings
    let runLength: SchedulerSettings.RunLength
    /// The feature extractor's learning rate as a share of the head's.
    public static let featureLearningRateFactor = 0.1

    public override var namedChildren: [(String, Module)] {
        [("feature_extractor", featureExtractor), ("classifier", classifier)]
    }

    /// A feature extractor `Linear, ReLU, ...` through the `hidden` widths, and a linear head.
    public init(features: Int, hidden: [Int], classes: Int, optimizer: OptimizerSettings,
                scheduler: SchedulerSettings = .parsedDefaults,
                runLength: SchedulerSettings.RunLength = .init(epochs: 1, optimizerSteps: 1),
                using generator: inout RandomGenerator) {
        let sizes = [features] + hidden
        var layers: [any Layer] = []
        for i in 0..<(sizes.count - 1) {
            layers += [Linear(sizes[i], sizes[i + 1], using: &generator), ReLU()]
        }
        featureExtractor = Sequential(layers)
        classifier = Sequential(Linear(sizes.last!, classes, using: &generator))
        optimizerSettings = optimizer
        schedulerSettings = scheduler
        self.runLength = runLength
    }

    public func logits(_ inputs: Tensor) -> Tensor { classifier(featureExtractor(inputs)) }

    /// One optimizer, two groups: the feature extractor at lr/10, the head at lr.
    public func configureOptimizers() throws -> OptimizerConfiguration {
        let lr = optimizerSettings.learningRate
        let optimizer = try optimizerSettings.makeOptimizer([
            ParamGroup(featureExtractor.parameters(), options: ["lr": .number(lr * Self.featureLearningRateFactor)]),
            ParamGroup(classifier.parameters(), options: ["lr": .number(lr)]),
        ])
        return try schedulerSettings.configuration(for: optimizer, run: runLength)
    }
}

extension TaskDescriptor {
    /// `finetune`: Adam (lr 1e-3 for the head, 1e-4 for the features), optionally from `--init-from`.
    public static let fineTuning = TaskDescriptor(
        name: "finetune",
        summary: "feature extractor at lr/10 and head at lr (two param groups), optionally --init-from pretrained weights"
    ) { settings, generator in
        try settings.rejectModel()
        let data = try TaskData.load(settings.data, seed: settings.trainer.seed, builtin: ("the built-in digits", { try Digits.load() }),
                                     labels: .classes, classCount: settings.model.classes)
        let batchSize = settings.trainer.batchSize ?? 32
        let optimizer = settings.optimizer.overTaskDefault("adam") { $0.lr = $0.lr ?? 1e-3 }
        let module = FineTuning(features: data.featureCount, hidden: settings.model.hidden?.elements ?? [128, 64], classes: data.classCount,
                                optimizer: optimizer, scheduler: settings.scheduler,
                                runLength: settings.runLength(trainingCount: data.training.count, batchSize: batchSize),
                                using: &generator)
        return BuiltTask(module: module, data: data, batchSize: batchSize, shuffle: settings.data.shuffle,
                         seed: settings.trainer.seed, requiresEveryInitialWeight: false,
                         summary: "fine-tuning, \(module.parameterCount) parameters, features at lr \(optimizer.learningRate * FineTuning.featureLearningRateFactor), head at lr \(optimizer.learningRate)")
    }
}

extension TaskSettings {
    /// Throws when `--model` is given to a task that has a single architecture.
    func rejectModel() throws {
        if let model = model.model { throw TaskError("--model \(model) applies to the classifier task only, not to \(task)") }
    }
}
