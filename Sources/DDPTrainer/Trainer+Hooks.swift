import DDPTensor

/// The hooks around setup, training and every backward pass and optimizer step, called on
/// the callbacks first and then on the module, in the order and at the places of PyTorch
/// Lightning 2.6 (recorded by Tests/Reference/lightning_hook_order.py; docs/training-loop.md
/// shows where each fires in one batch).
extension Trainer {
    /// `setup(stage)`: before anything else of `fit` (before `configureOptimizers`),
    /// `validate`, `test` or `predict`.
    func callSetupHooks(_ module: any TrainingModule, _ stage: TrainerStage) throws {
        for callback in callbacks { try callback.setup(self, module, stage: stage) }
        try module.setup(stage: stage)
    }

    /// `teardown(stage)`: the last hook of a run that finished without an error.
    func callTeardownHooks(_ module: any TrainingModule, _ stage: TrainerStage) throws {
        for callback in callbacks { try callback.teardown(self, module, stage: stage) }
        try module.teardown(stage: stage)
    }

    func callTrainStartHooks(_ module: any TrainingModule) throws {
        for callback in callbacks { try callback.onTrainStart(self, module) }
        try module.onTrainStart()
    }

    func callTrainEndHooks(_ module: any TrainingModule) throws {
        for callback in callbacks { try callback.onTrainEnd(self, module) }
        try module.onTrainEnd()
    }

    /// `onBeforeZeroGrad`: just before `optimizerZeroGrad`, at the start of an accumulation
    /// window (automatic optimization only, as in Lightning).
    func callBeforeZeroGradHooks(_ module: any TrainingModule, _ optimizer: ManagedOptimizer) throws {
        for callback in callbacks { try callback.onBeforeZeroGrad(self, module, optimizer: optimizer) }
        try module.onBeforeZeroGrad(optimizer)
    }

    /// `onBeforeOptimizerStep`: after the closure has computed (and averaged) the gradients,
    /// before clipping and the update; in manual optimization too, at every `step()`.
    func callBeforeOptimizerStepHooks(_ module: any TrainingModule, _ optimizer: ManagedOptimizer) throws {
        for callback in callbacks {
            try callback.onBeforeOptimizerStep(self, module, optimizer: optimizer, optimizerIndex: optimizer.index)
        }
        try module.onBeforeOptimizerStep(optimizer, optimizerIndex: optimizer.index)
    }

    /// Backpropagates `loss` between the `onBeforeBackward` and `onAfterBackward` hooks:
    /// the trainer's backward in automatic optimization and ``TrainingModule/manualBackward(_:)``.
    func backward(_ loss: Tensor, of module: any TrainingModule) throws {
        for callback in callbacks { try callback.onBeforeBackward(self, module, loss: loss) }
        try module.onBeforeBackward(loss)
        loss.backward()
        for callback in callbacks { try callback.onAfterBackward(self, module) }
        try module.onAfterBackward()
    }
}
