import DDPData
import DDPNN
import DDPOptim
import DDPTensor

/// The closure an optimizer step runs: the training step, zero-grad, backward and gradient
/// sync; it returns the loss averaged over ranks.
public typealias OptimizerClosure = () throws -> Float

/// A model together with how it trains: Lightning's `LightningModule`.
///
/// Write the steps and the optimizers; the ``Trainer`` runs the loop, on one rank or many:
///
///     final class Classifier: Module, TrainingModule {
///         let net: Sequential
///         override var namedChildren: [(String, Module)] { [("net", net)] }
///
///         init(seed: UInt64) {
///             var generator = RandomGenerator(seed: seed)
///             net = Sequential(Linear(64, 128, using: &generator), ReLU(), Linear(128, 10, using: &generator))
///         }
///
///         func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
///             let loss = crossEntropy(net(batch.inputs), targets: batch.labels)
///             log("train_loss", loss, progressBar: true)
///             return loss
///         }
///
///         func configureOptimizers() throws -> OptimizerConfiguration {
///             OptimizerConfiguration(try Adam(parameters(), lr: 1e-3))
///         }
///     }
///
/// Every hook has a default; override only what you change. Conform a `final` class
/// directly: a hook a subclass declares is not seen through a superclass's conformance.
/// ``clipGradients(_:gradientClipVal:gradientClipAlgorithm:)``, ``log(_:_:onStep:onEpoch:progressBar:syncDist:)``,
/// ``optimizers()``, ``manualBackward(_:)`` and the other helpers are not hooks: use them,
/// don't replace them.
public protocol TrainingModule: Module {
    /// `true` (the default): the trainer zeroes, backpropagates, syncs, clips and steps.
    /// `false`: ``trainingStep(_:batchIndex:optimizerIndex:)`` does it with ``optimizers()``
    /// and ``manualBackward(_:)``.
    var automaticOptimization: Bool { get }

    /// The optimizers and schedulers, in any form ``OptimizerConfiguration`` takes.
    func configureOptimizers() throws -> OptimizerConfiguration

    /// One training step. With several optimizers in automatic optimization it runs once per
    /// optimizer, `optimizerIndex` telling which; the default calls
    /// ``trainingStep(_:batchIndex:)``. Return the loss to minimise, or `nil` to skip the
    /// optimizer step (automatic optimization); in manual optimization the result is unused.
    func trainingStep(_ batch: Batch, batchIndex: Int, optimizerIndex: Int) throws -> Tensor?
    /// One training step of a module with one optimizer.
    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor?
    /// One validation step: compute and ``log(_:_:onStep:onEpoch:progressBar:syncDist:)`` metrics.
    /// Runs in `eval()` mode with gradients off.
    func validationStep(_ batch: Batch, batchIndex: Int) throws
    /// One test step (``Trainer/test(_:data:)``): compute and log metrics, named `test_...` by
    /// convention. Runs in `eval()` mode with gradients off.
    func testStep(_ batch: Batch, batchIndex: Int) throws
    /// One prediction step (``Trainer/predict(_:data:)``): the outputs for `batch`, one row
    /// per sample (`[batch.count, ...]`). Runs in `eval()` mode with gradients off.
    func predictStep(_ batch: Batch, batchIndex: Int) throws -> Tensor

    /// Steps `optimizer` with `closure` (the default: `optimizer.step(closure: closure)`).
    /// Override for alternating schedules or warm-up; to leave the parameters unchanged, call
    /// `closure()` alone. As in Lightning, the batch counts as a global step either way, and
    /// also when the override steps the raw `optimizer.optimizer` with the closure (which
    /// averages the gradients over the ranks, but is not clipped).
    func optimizerStep(
        epoch: Int, batchIndex: Int, optimizer: ManagedOptimizer, optimizerIndex: Int,
        closure: @escaping OptimizerClosure) throws
    /// Clears the gradients at the start of an accumulation window (default `optimizer.zeroGrad()`).
    func optimizerZeroGrad(epoch: Int, batchIndex: Int, optimizer: ManagedOptimizer, optimizerIndex: Int)
    /// Clips `optimizer`'s synchronised gradients before its step; the default clips with the
    /// trainer's `gradientClipVal` and `gradientClipAlgorithm` through ``clipGradients(_:gradientClipVal:gradientClipAlgorithm:)``.
    func configureGradientClipping(
        optimizer: ManagedOptimizer, optimizerIndex: Int,
        gradientClipVal: Double?, gradientClipAlgorithm: GradientClipAlgorithm?) throws
    /// Steps a scheduler; `metric` is the rank-averaged monitored value for a metric-driven one.
    func lrSchedulerStep(_ scheduler: any LRScheduler, metric: Double?) throws

    func onFitStart() throws
    func onFitEnd() throws
    func onTrainEpochStart() throws
    func onTrainEpochEnd() throws
    func onValidationEpochStart() throws
    func onValidationEpochEnd() throws
    func onTrainBatchStart(_ batch: Batch, batchIndex: Int) throws
    func onTrainBatchEnd(_ batch: Batch, batchIndex: Int) throws

    /// At the start of `fit`, `validate`, `test` or `predict`, before `configureOptimizers`:
    /// build what depends on the run here.
    func setup(stage: TrainerStage) throws
    /// At the end of a run that finished without an error.
    func teardown(stage: TrainerStage) throws
    /// Once before the first training epoch (not when there is nothing to train).
    func onTrainStart() throws
    /// Once after the last training epoch, before `onFitEnd`.
    func onTrainEnd() throws
    /// Before each backward pass, with the loss about to be backpropagated (in automatic
    /// optimization divided by `accumulateGradBatches`); also in ``manualBackward(_:)``.
    func onBeforeBackward(_ loss: Tensor) throws
    /// After each backward pass: gradients hold this rank's own values (averaged over the
    /// ranks only at the optimizer step). Read them here, change them in
    /// ``onBeforeOptimizerStep(_:optimizerIndex:)``: across machines, the last backward of
    /// a step has already started averaging them.
    func onAfterBackward() throws
    /// Before each optimizer step and its clipping, gradients averaged over the ranks: the
    /// place to inspect or log them (see ``GradientNormMonitor``). In manual optimization,
    /// at every `step()`.
    func onBeforeOptimizerStep(_ optimizer: ManagedOptimizer, optimizerIndex: Int) throws
    /// Before `optimizerZeroGrad` clears the gradients at the start of an accumulation window
    /// (automatic optimization).
    func onBeforeZeroGrad(_ optimizer: ManagedOptimizer) throws
}

extension TrainingModule {
    public var automaticOptimization: Bool { true }

    public func trainingStep(_ batch: Batch, batchIndex: Int, optimizerIndex: Int) throws -> Tensor? {
        try trainingStep(batch, batchIndex: batchIndex)
    }

    public func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        throw TrainerError("\(type(of: self)) has no training step: implement trainingStep(_:batchIndex:) (or trainingStep(_:batchIndex:optimizerIndex:) with several optimizers)")
    }

    public func validationStep(_ batch: Batch, batchIndex: Int) throws {
        throw TrainerError("\(type(of: self)) got validation data but has no validation step: implement validationStep(_:batchIndex:) or pass no validation loader")
    }

    public func testStep(_ batch: Batch, batchIndex: Int) throws {
        throw TrainerError("\(type(of: self)) has no test step: implement testStep(_:batchIndex:) to test it")
    }

    public func predictStep(_ batch: Batch, batchIndex: Int) throws -> Tensor {
        throw TrainerError("\(type(of: self)) has no predict step: implement predictStep(_:batchIndex:) to predict with it")
    }

    public func optimizerStep(
        epoch: Int, batchIndex: Int, optimizer: ManagedOptimizer, optimizerIndex: Int,
        closure: @escaping OptimizerClosure
    ) throws {
        try optimizer.step(closure: closure)
    }

    public func optimizerZeroGrad(epoch: Int, batchIndex: Int, optimizer: ManagedOptimizer, optimizerIndex: Int) {
        optimizer.zeroGrad()
    }

    public func configureGradientClipping(
        optimizer: ManagedOptimizer, optimizerIndex: Int,
        gradientClipVal: Double?, gradientClipAlgorithm: GradientClipAlgorithm?
    ) throws {
        try clipGradients(optimizer, gradientClipVal: gradientClipVal, gradientClipAlgorithm: gradientClipAlgorithm)
    }

    public func lrSchedulerStep(_ scheduler: any LRScheduler, metric: Double?) throws {
        if let metric, let driven = scheduler as? MetricDrivenScheduler {
            driven.step(metric: metric)
        } else {
            try scheduler.step()
        }
    }

    public func onFitStart() throws {}
    public func onFitEnd() throws {}
    public func onTrainEpochStart() throws {}
    public func onTrainEpochEnd() throws {}
    public func onValidationEpochStart() throws {}
    public func onValidationEpochEnd() throws {}
    public func onTrainBatchStart(_ batch: Batch, batchIndex: Int) throws {}
    public func onTrainBatchEnd(_ batch: Batch, batchIndex: Int) throws {}
    public func setup(stage: TrainerStage) throws {}
    public func teardown(stage: TrainerStage) throws {}
    public func onTrainStart() throws {}
    public func onTrainEnd() throws {}
    public func onBeforeBackward(_ loss: Tensor) throws {}
    public func onAfterBackward() throws {}
    public func onBeforeOptimizerStep(_ optimizer: ManagedOptimizer, optimizerIndex: Int) throws {}
    public func onBeforeZeroGrad(_ optimizer: ManagedOptimizer) throws {}
}
