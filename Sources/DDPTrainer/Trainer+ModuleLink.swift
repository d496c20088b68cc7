import DDPNN

/// The link between a module and the trainer running it: set for the time of `fit` or
/// `validate`, so a module's helpers (`log`, `optimizers()`, `trainer`) reach the trainer.
extension Trainer {
    /// Links `module` to this trainer; a module runs under one trainer at a time.
    func attach(_ module: Module) throws {
        try TrainerError.require(module.runner == nil,
            "\(type(of: module)) is already being fitted by another trainer: fit a module with one trainer at a time")
        module.runner = self
    }

    func detach(_ module: Module) { module.runner = nil }
}

extension Module {
    /// The trainer running this module, if any.
    var attachedTrainer: Trainer? { runner as? Trainer }
}
