import SwiftDDP

// The automatic-optimization examples of the optimization guide: the module returns a loss;
// the trainer zeroes, runs backward, syncs, clips and steps.

/// One optimizer: the plain automatic loop.
public final class ClassifierModel: Module, TrainingModule {
    public let net: Sequential
    let makeOptimizer: (ClassifierModel) throws -> OptimizerConfiguration
    public override var namedChildren: [(String, Module)] { [("net", net)] }

    public init(seed: UInt64 = 8, optimizer: @escaping (ClassifierModel) throws -> OptimizerConfiguration = {
        OptimizerConfiguration(try SGD($0.parameters(), lr: 0.1, momentum: 0.9))
    }) {
        net = exampleMLP([6, 16, 3], seed: seed)
        makeOptimizer = optimizer
    }

    public func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let loss = crossEntropy(net(batch.inputs), targets: batch.labels)
        log("train_loss", loss, syncDist: true)
        return loss
    }

    public func validationStep(_ batch: Batch, batchIndex: Int) throws {
        let logits = net(batch.inputs)
        log("val_loss", crossEntropy(logits, targets: batch.labels))
    }

    public func configureOptimizers() throws -> OptimizerConfiguration { try makeOptimizer(self) }
}

/// Two parts, each with its own optimizer (`optimizerIndex` 0: the encoder, 1: the head):
/// the guide's "two optimizers" forms, with no scheduler, with `ReduceLROnPlateau` on a
/// monitored metric, or with `StepLR` and `OneCycleLR`.
public final class TwoOptimizerModel: Module, TrainingModule {
    public enum Schedulers { case none, plateau, stepAndOneCycle, configDictionary }

    public let encoder = exampleMLP([6, 12], seed: 9)
    public let head = exampleMLP([12, 3], seed: 10)
    let schedulers: Schedulers
    public override var namedChildren: [(String, Module)] { [("encoder", encoder), ("head", head)] }

    /// Overrides of the hooks, for the alternating, warm-up and clipping examples.
    var stepHook: ((TwoOptimizerModel, Int, ManagedOptimizer, Int, @escaping OptimizerClosure) throws -> Void)?
    var clippingHook: ((TwoOptimizerModel, ManagedOptimizer, Int, Double?, GradientClipAlgorithm?) throws -> Void)?

    public init(_ schedulers: Schedulers = .none) { self.schedulers = schedulers }

    public func trainingStep(_ batch: Batch, batchIndex: Int, optimizerIndex: Int) throws -> Tensor? {
        let loss = crossEntropy(head(encoder(batch.inputs).relu()), targets: batch.labels)
        if optimizerIndex == 0 {
            log("train_loss", loss, syncDist: true)
            log("metric_to_track", loss, onStep: false, onEpoch: true, syncDist: true)
        }
        return loss
    }

    public func optimizerStep(
        epoch: Int, batchIndex: Int, optimizer: ManagedOptimizer, optimizerIndex: Int,
        closure: @escaping OptimizerClosure
    ) throws {
        if let stepHook {
            try stepHook(self, batchIndex, optimizer, optimizerIndex, closure)
        } else {
            try optimizer.step(closure: closure)
        }
    }

    public func configureGradientClipping(
        optimizer: ManagedOptimizer, optimizerIndex: Int,
        gradientClipVal: Double?, gradientClipAlgorithm: GradientClipAlgorithm?
    ) throws {
        if let clippingHook {
            try clippingHook(self, optimizer, optimizerIndex, gradientClipVal, gradientClipAlgorithm)
        } else {
            try clipGradients(optimizer, gradientClipVal: gradientClipVal, gradientClipAlgorithm: gradientClipAlgorithm)
        }
    }

    public func configureOptimizers() throws -> OptimizerConfiguration {
        let adam = try Adam(encoder.parameters(), lr: 1e-2)
        let sgd = try SGD(head.parameters(), lr: 0.1, momentum: 0.9)
        switch schedulers {
        case .none:
            return [adam, sgd]
        case .plateau:
            return OptimizerConfiguration(optimizers: [adam, sgd], schedulers: [
                SchedulerConfiguration(try ReduceLROnPlateau(adam, factor: 0.5, patience: 0, threshold: 0.5), monitor: "metric_to_track"),
            ])
        case .stepAndOneCycle:
            return OptimizerConfiguration(optimizers: [adam, sgd], schedulers: [
                try StepLR(adam, stepSize: 1, gamma: 0.5), try OneCycleLR(sgd, maxLR: [0.2], totalSteps: 4),
            ])
        case .configDictionary:
            return OptimizerConfiguration([
                OptimizerEntry(adam, scheduler: SchedulerConfiguration(
                    try StepLR(adam, stepSize: 2, gamma: 0.5), interval: .step, frequency: 2, name: "encoder_lr")),
                OptimizerEntry(sgd),
            ])
        }
    }
}

/// The guide's alternating schedule: optimizer 0 steps every batch, optimizer 1 every
/// second batch (on the others its closure runs alone: training step and backward only).
public func alternatingModel() -> TwoOptimizerModel {
    let model = TwoOptimizerModel()
    model.stepHook = { _, batchIndex, optimizer, optimizerIndex, closure in
        if optimizerIndex == 0 {
            try optimizer.step(closure: closure)
        }
        if optimizerIndex == 1 {
            if (batchIndex + 1) % 2 == 0 {
                try optimizer.step(closure: closure)
            } else {
                _ = try closure()
            }
        }
    }
    return model
}

/// The guide's learning-rate warm-up: over the first `warmUpSteps` global steps the learning
/// rate rises linearly to `learningRate`.
public func warmUpModel(warmUpSteps: Int = 5, learningRate: Double = 0.1) -> TwoOptimizerModel {
    let model = TwoOptimizerModel()
    model.stepHook = { module, _, optimizer, _, closure in
        let step = module.trainer.globalStep
        if step < warmUpSteps {
            let scale = min(1, Double(step + 1) / Double(warmUpSteps))
            for index in optimizer.paramGroups.indices { optimizer.paramGroups[index].lr = scale * learningRate }
        }
        try optimizer.step(closure: closure)
    }
    return model
}

/// The guide's per-optimizer clipping: optimizer 0 at the trainer's value, optimizer 1 at
/// twice that. Reports each optimizer's gradient norm before and after clipping.
public final class ClippingRecord {
    public var before: [[Double]] = [[], []]
    public var after: [[Double]] = [[], []]
}

/// With `clipSecond` false, the guide's first variant: only optimizer 0 is clipped.
public func perOptimizerClippingModel(record: ClippingRecord, clipSecond: Bool = true) -> TwoOptimizerModel {
    let model = TwoOptimizerModel()
    model.clippingHook = { module, optimizer, optimizerIndex, value, algorithm in
        let parameters = optimizer.optimizer.allParameters
        record.before[optimizerIndex].append(gradientNorm(parameters))
        if optimizerIndex == 0 {
            try module.clipGradients(optimizer, gradientClipVal: value, gradientClipAlgorithm: algorithm)
        } else if optimizerIndex == 1 && clipSecond {
            try module.clipGradients(optimizer, gradientClipVal: value.map { $0 * 2 }, gradientClipAlgorithm: algorithm)
        }
        record.after[optimizerIndex].append(gradientNorm(parameters))
    }
    return model
}

/// Per-group learning rates (the "customizing optimizers" guide): the feature extractor
/// learns ten times slower than the classifier.
public final class PerGroupModel: Module, TrainingModule {
    public let featureExtractor = exampleMLP([6, 20, 30], seed: 14)
    public let classifier = exampleMLP([30, 3], seed: 15)
    public override var namedChildren: [(String, Module)] {
        [("feature_extractor", featureExtractor), ("classifier", classifier)]
    }

    public func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let loss = crossEntropy(classifier(featureExtractor(batch.inputs)), targets: batch.labels)
        log("train_loss", loss, syncDist: true)
        return loss
    }

    public func configureOptimizers() throws -> OptimizerConfiguration {
        OptimizerConfiguration(try Adam([
            ParamGroup(featureExtractor.parameters(), options: ["lr": 1e-3]),
            ParamGroup(classifier.parameters(), options: ["lr": 1e-2]),
        ]))
    }
}

/// The custom optimizer of the "customizing optimizers" guide: plain gradient descent,
/// `p ← p − lr·∇p`, as a new type conforming to `Optimizer`.
public final class PlainGradientDescent: Optimizer {
    public var storage: OptimizerStorage

    public init(_ parameters: [Tensor], lr: Double = 1e-3) throws {
        storage = OptimizerStorage(defaults: ["lr": .number(lr)])
        try addInitialGroups(Tensor.paramGroups(from: parameters))
    }

    public func update(_ parameter: Tensor, gradient: Tensor, state: inout ParameterState, group: ParamGroup) throws {
        let lr = Float(group.lr), p = parameter.data, g = gradient.data
        for i in 0..<parameter.count { p[i] -= lr * g[i] }
    }
}

/// The guide's custom-optimizer model: a linear regression with ``PlainGradientDescent``.
public final class CustomOptimizerModel: Module, TrainingModule {
    public let linear: Linear = {
        var generator = RandomGenerator(seed: 16)
        return Linear(6, 1, using: &generator)
    }()
    public override var namedChildren: [(String, Module)] { [("linear", linear)] }

    public func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let loss = mseLoss(linear(batch.inputs), batch.targets!)
        log("train_loss", loss, syncDist: true)
        return loss
    }

    public func configureOptimizers() throws -> OptimizerConfiguration {
        OptimizerConfiguration(try PlainGradientDescent(parameters(), lr: 1e-2))
    }
}

/// The raw optimizer stepped from `optimizerStep` with the trainer's closure (which has
/// already synced the gradients): no clipping, and the step counts as in Lightning.
public final class RawStepModel: Module, TrainingModule {
    let net = exampleMLP([6, 16, 3], seed: 8)
    public override var namedChildren: [(String, Module)] { [("net", net)] }

    public func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let loss = crossEntropy(net(batch.inputs), targets: batch.labels)
        log("train_loss", loss, syncDist: true)
        return loss
    }

    public func optimizerStep(
        epoch: Int, batchIndex: Int, optimizer: ManagedOptimizer, optimizerIndex: Int,
        closure: @escaping OptimizerClosure
    ) throws {
        let raw = optimizer.optimizer
        try raw.step(closure: closure)
    }

    public func configureOptimizers() throws -> OptimizerConfiguration {
        OptimizerConfiguration(try SGD(parameters(), lr: 0.1, momentum: 0.9))
    }
}
