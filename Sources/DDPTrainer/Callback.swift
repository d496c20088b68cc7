import DDPData
import DDPTensor

/// Code that runs at fixed points of `fit` without being part of the module: early
/// stopping, learning-rate logging, checkpoints. Every hook has a default.
///
/// Hooks run on every rank with the same (rank-averaged) metrics, so decisions such as
/// stopping agree everywhere; only writing files is for rank 0 (`trainer.isGlobalZero`).
public protocol Callback: AnyObject {
    func onFitStart(_ trainer: Trainer, _ module: any TrainingModule) throws
    func onFitEnd(_ trainer: Trainer, _ module: any TrainingModule) throws
    func onTrainEpochStart(_ trainer: Trainer, _ module: any TrainingModule) throws
    func onTrainEpochEnd(_ trainer: Trainer, _ module: any TrainingModule) throws
    func onTrainBatchStart(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws
    func onTrainBatchEnd(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws
    func onValidationEpochStart(_ trainer: Trainer, _ module: any TrainingModule) throws
    func onValidationEpochEnd(_ trainer: Trainer, _ module: any TrainingModule) throws
    /// The module's hooks of the same names (``TrainingModule/setup(stage:)`` and the
    /// others) say when these run; a callback's runs just before the module's.
    func setup(_ trainer: Trainer, _ module: any TrainingModule, stage: TrainerStage) throws
    func teardown(_ trainer: Trainer, _ module: any TrainingModule, stage: TrainerStage) throws
    func onTrainStart(_ trainer: Trainer, _ module: any TrainingModule) throws
    func onTrainEnd(_ trainer: Trainer, _ module: any TrainingModule) throws
    func onBeforeBackward(_ trainer: Trainer, _ module: any TrainingModule, loss: Tensor) throws
    /// Gradients may be read here, not changed (see ``TrainingModule/onAfterBackward()``).
    func onAfterBackward(_ trainer: Trainer, _ module: any TrainingModule) throws
    func onBeforeOptimizerStep(_ trainer: Trainer, _ module: any TrainingModule, optimizer: ManagedOptimizer, optimizerIndex: Int) throws
    func onBeforeZeroGrad(_ trainer: Trainer, _ module: any TrainingModule, optimizer: ManagedOptimizer) throws

    /// The name this callback's state is saved under in checkpoints.
    var stateKey: String { get }
    /// What a checkpoint keeps of this callback (empty: nothing).
    func stateDict() -> [String: Double]
    /// Restores ``stateDict()``.
    func load(stateDict: [String: Double]) throws
}

extension Callback {
    public func onFitStart(_ trainer: Trainer, _ module: any TrainingModule) throws {}
    public func onFitEnd(_ trainer: Trainer, _ module: any TrainingModule) throws {}
    public func onTrainEpochStart(_ trainer: Trainer, _ module: any TrainingModule) throws {}
    public func onTrainEpochEnd(_ trainer: Trainer, _ module: any TrainingModule) throws {}
    public func onTrainBatchStart(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws {}
    public func onTrainBatchEnd(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws {}
    public func onValidationEpochStart(_ trainer: Trainer, _ module: any TrainingModule) throws {}
    public func onValidationEpochEnd(_ trainer: Trainer, _ module: any TrainingModule) throws {}
    public func setup(_ trainer: Trainer, _ module: any TrainingModule, stage: TrainerStage) throws {}
    public func teardown(_ trainer: Trainer, _ module: any TrainingModule, stage: TrainerStage) throws {}
    public func onTrainStart(_ trainer: Trainer, _ module: any TrainingModule) throws {}
    public func onTrainEnd(_ trainer: Trainer, _ module: any TrainingModule) throws {}
    public func onBeforeBackward(_ trainer: Trainer, _ module: any TrainingModule, loss: Tensor) throws {}
    public func onAfterBackward(_ trainer: Trainer, _ module: any TrainingModule) throws {}
    public func onBeforeOptimizerStep(
        _ trainer: Trainer, _ module: any TrainingModule, optimizer: ManagedOptimizer, optimizerIndex: Int
    ) throws {}
    public func onBeforeZeroGrad(_ trainer: Trainer, _ module: any TrainingModule, optimizer: ManagedOptimizer) throws {}

    public var stateKey: String { String(describing: type(of: self)) }
    public func stateDict() -> [String: Double] { [:] }
    public func load(stateDict: [String: Double]) throws {}
}
