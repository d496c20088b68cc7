import DDPData

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

    public var stateKey: String { String(describing: type(of: self)) }
    public func stateDict() -> [String: Double] { [:] }
    public func load(stateDict: [String: Double]) throws {}
}
