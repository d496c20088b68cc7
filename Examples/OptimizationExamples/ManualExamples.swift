import SwiftDDP

// The manual-optimization examples of the optimization guide: the module zeroes, runs
// backward and steps by itself; the trainer only syncs gradients inside `step()`.

/// The smallest manual loop: zero-grad, backward, step.
public final class MinimalManualModel: Module, TrainingModule {
    let net = exampleMLP([6, 16, 3], seed: 1)
    public override var namedChildren: [(String, Module)] { [("net", net)] }
    public var automaticOptimization: Bool { false }

    func computeLoss(_ batch: Batch) -> Tensor { crossEntropy(net(batch.inputs), targets: batch.labels) }

    public func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let optimizer: ManagedOptimizer = optimizers()
        optimizer.zeroGrad()
        let loss = computeLoss(batch)
        try manualBackward(loss)
        try optimizer.step()
        log("train_loss", loss, syncDist: true)
        return nil
    }

    public func configureOptimizers() throws -> OptimizerConfiguration {
        OptimizerConfiguration(try SGD(parameters(), lr: 0.1, momentum: 0.9))
    }
}

/// Gradients of `n` batches accumulated by hand before each step.
public final class ManualAccumulationModel: Module, TrainingModule {
    let net = exampleMLP([6, 16, 3], seed: 2)
    let n: Int
    public override var namedChildren: [(String, Module)] { [("net", net)] }
    public var automaticOptimization: Bool { false }

    public init(every n: Int) { self.n = n }

    public func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let optimizer: ManagedOptimizer = optimizers()
        let loss = crossEntropy(net(batch.inputs), targets: batch.labels)
        try manualBackward(loss)
        if (batchIndex + 1) % n == 0 {
            try optimizer.step()
            optimizer.zeroGrad()
        }
        log("train_loss", loss, syncDist: true)
        return nil
    }

    public func configureOptimizers() throws -> OptimizerConfiguration {
        OptimizerConfiguration(try SGD(parameters(), lr: 0.05))
    }
}

/// The guide's `SimpleGAN`: a discriminator step on real and generated points, then a
/// generator step, each with its own Adam. The latent noise comes with each sample.
public final class SimpleGAN: Module, TrainingModule {
    public let generator = exampleMLP([4, 16, 2], seed: 3)
    public let discriminator = exampleMLP([2, 16, 1], seed: 4)
    public override var namedChildren: [(String, Module)] { [("G", generator), ("D", discriminator)] }
    public var automaticOptimization: Bool { false }

    func criterion(_ logits: Tensor, _ target: Tensor) -> Tensor { binaryCrossEntropyWithLogits(logits, targets: target) }

    public func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let (generatorOptimizer, discriminatorOptimizer): (ManagedOptimizer, ManagedOptimizer) = optimizers()
        let x = batch.inputs, z = batch.targets!
        let realLabel = Tensor.ones([batch.count, 1]), fakeLabel = Tensor.zeros([batch.count, 1])
        let generated = generator(z)

        // Optimize the discriminator.
        let errorReal = criterion(discriminator(x), realLabel)
        let errorFake = criterion(discriminator(generated.detached()), fakeLabel)
        let discriminatorError = errorReal + errorFake
        discriminatorOptimizer.zeroGrad()
        try manualBackward(discriminatorError)
        try discriminatorOptimizer.step()

        // Optimize the generator.
        let generatorError = criterion(discriminator(generated), realLabel)
        generatorOptimizer.zeroGrad()
        try manualBackward(generatorError)
        try generatorOptimizer.step()

        log("g_loss", generatorError, progressBar: true, syncDist: true)
        log("d_loss", discriminatorError, progressBar: true, syncDist: true)
        log("train_loss", generatorError + discriminatorError, syncDist: true)
        return nil
    }

    public func configureOptimizers() throws -> OptimizerConfiguration {
        [try Adam(generator.parameters(), lr: 2e-3, betas: (0.5, 0.999)),
         try Adam(discriminator.parameters(), lr: 2e-3, betas: (0.5, 0.999))]
    }
}

/// A scheduler stepped by hand: every batch, every `n` batches, every `n` epochs, or a
/// `ReduceLROnPlateau` on the epoch's logged loss.
public final class ManualSchedulerModel: Module, TrainingModule {
    public enum Schedule: Sendable {
        case everyBatch, everyBatches(Int), everyEpochs(Int), plateau
    }

    let net = exampleMLP([6, 16, 3], seed: 5)
    let schedule: Schedule
    public override var namedChildren: [(String, Module)] { [("net", net)] }
    public var automaticOptimization: Bool { false }

    public init(_ schedule: Schedule) { self.schedule = schedule }

    public func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let optimizer: ManagedOptimizer = optimizers()
        optimizer.zeroGrad()
        let loss = crossEntropy(net(batch.inputs), targets: batch.labels)
        try manualBackward(loss)
        try optimizer.step()
        log("train_loss", loss, syncDist: true)
        log("loss", loss, onStep: false, onEpoch: true, syncDist: true)

        let scheduler: any LRScheduler = lrSchedulers()
        switch schedule {
        case .everyBatch:
            try scheduler.step()
        case .everyBatches(let n):
            if (batchIndex + 1) % n == 0 { try scheduler.step() }
        case .everyEpochs(let n):
            if trainer.isLastBatch && (trainer.currentEpoch + 1) % n == 0 { try scheduler.step() }
        case .plateau:
            break
        }
        return nil
    }

    public func onTrainEpochEnd() throws {
        if case .plateau = schedule, let plateau = lrSchedulers() as any LRScheduler as? ReduceLROnPlateau {
            plateau.step(metric: trainer.callbackMetrics["loss"]!)
        }
    }

    public func configureOptimizers() throws -> OptimizerConfiguration {
        let optimizer = try SGD(parameters(), lr: 0.1)
        switch schedule {
        case .plateau:
            // Manual optimization ignores the configuration's rules (no monitor needed).
            return OptimizerConfiguration(optimizer, scheduler: try ReduceLROnPlateau(optimizer, factor: 0.5, patience: 0, threshold: 0.5))
        default:
            return OptimizerConfiguration(optimizer, scheduler: try StepLR(optimizer, stepSize: 2, gamma: 0.5))
        }
    }
}

/// Logistic regression with LBFGS and a closure that zeroes, runs forward and backward; the step calls it several
/// times, each time on gradients and a loss averaged over the ranks.
public final class ManualLBFGSModel: Module, TrainingModule {
    let linear: Linear = {
        var generator = RandomGenerator(seed: 6)
        return Linear(6, 3, using: &generator)
    }()
    public override var namedChildren: [(String, Module)] { [("linear", linear)] }
    public var automaticOptimization: Bool { false }

    public func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let optimizer: ManagedOptimizer = optimizers()
        let closure: OptimizerClosure = { [unowned self] in
            let loss = crossEntropy(self.linear(batch.inputs), targets: batch.labels)
            optimizer.zeroGrad()
            try self.manualBackward(loss)
            return loss.item
        }
        if let loss = try optimizer.step(closure: closure) { log("train_loss", Double(loss)) }
        return nil
    }

    public func configureOptimizers() throws -> OptimizerConfiguration {
        OptimizerConfiguration(try LBFGS(parameters(), lr: 0.5, maxIter: 5, lineSearchFn: "strong_wolfe"))
    }
}

/// The raw optimizer behind the wrapper: here its learning rate is decayed by hand at each
/// epoch's end, while steps go through the wrapper (which syncs gradients).
public final class RawOptimizerModel: Module, TrainingModule {
    let net = exampleMLP([6, 16, 3], seed: 7)
    public override var namedChildren: [(String, Module)] { [("net", net)] }
    public var automaticOptimization: Bool { false }

    public func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let optimizer: ManagedOptimizer = optimizers()
        let raw: any Optimizer = optimizer.optimizer
        raw.zeroGrad()
        let loss = crossEntropy(net(batch.inputs), targets: batch.labels)
        try manualBackward(loss)
        try optimizer.step()
        if trainer.isLastBatch { raw.paramGroups[0].lr *= 0.5 }
        log("train_loss", loss, syncDist: true)
        return nil
    }

    public func configureOptimizers() throws -> OptimizerConfiguration {
        OptimizerConfiguration(try SGD(parameters(), lr: 0.1))
    }
}
