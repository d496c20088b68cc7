import DDPData
import DDPDistributed
import DDPOptim
import DDPTensor

extension Trainer {
    // MARK: Automatic optimization

    /// One batch of automatic optimization: for each active optimizer, a closure running the
    /// training step, zero-grad (at an accumulation window's start) and backward, with the
    /// gradient sync at the window's end; at that end the module's `optimizerStep` gets
    /// the closure, otherwise the closure runs alone and gradients accumulate locally.
    func optimizeAutomatically(_ module: some TrainingModule, _ batch: Batch) throws {
        let windowStart = batchIndex % accumulateGradBatches == 0
        let boundary = closesAccumulationWindow
        if windowStart { automaticOptimization.startWindows() }
        let several = optimizers.count > 1
        for index in activeOptimizerIndices(atBatch: batchIndex) {
            let optimizer = optimizers[index]
            let closure = trainingClosure(module, batch, optimizerIndex: index, windowStart: windowStart, boundary: boundary)
            if several { toggling.toggle(index) }
            defer { if several { toggling.untoggle() } }
            if boundary {
                automaticOptimization.lastClosureHadLoss = true
                try module.optimizerStep(epoch: currentEpoch, batchIndex: batchIndex, optimizer: optimizer,
                                         optimizerIndex: index, closure: closure)
                // As Lightning, the batch counts as a step whatever the override did with the
                // optimizer (stepped the raw one, or ran the closure alone), unless the trainer
                // itself skipped the step.
                batchSteps.noteWindowClosed(by: index)
            } else {
                _ = try closure()
            }
        }
        if boundary { automaticOptimization.windowClosed() }
    }

    private func trainingClosure(
        _ module: some TrainingModule, _ batch: Batch, optimizerIndex index: Int, windowStart: Bool, boundary: Bool
    ) -> OptimizerClosure {
        let scale = accumulateGradBatches > 1 ? 1 / Float(accumulateGradBatches) : nil
        return { [unowned self] in
            let loss = try module.trainingStep(batch, batchIndex: self.batchIndex, optimizerIndex: index)
            if windowStart {
                try self.callBeforeZeroGradHooks(module, self.optimizers[index])
                module.optimizerZeroGrad(epoch: self.currentEpoch, batchIndex: self.batchIndex,
                                         optimizer: self.optimizers[index], optimizerIndex: index)
                self.automaticOptimization.startWindow(of: index)
            }
            if let loss {
                try TrainerError.require(loss.count == 1, "trainingStep must return a one-element loss, got shape \(loss.shape)")
                self.automaticOptimization.add(loss: Double(loss.item), to: index)
                // Only the window's last backward: the others' gradients are not final.
                if boundary { self.gradientSynchronization.overlapNextBackward(index) }
                try self.backward(scale.map { loss * $0 } ?? loss, of: module)
            }
            guard boundary else { return loss?.item ?? .nan }
            self.gradientSynchronization.synchronize(index)
            let local = self.automaticOptimization.meanLoss(of: index)
            let global: Float?
            if self.checksFiniteSteps {
                (global, self.automaticOptimization.lastWindowHealth) = self.globalLossAndHealth(local, gradientsOf: index)
            } else {
                global = self.globalMean(local)
            }
            self.automaticOptimization.lastClosureHadLoss = global != nil
            return global ?? .nan
        }
    }

    // MARK: Stepping (both modes)

    /// What ``ManagedOptimizer/step(closure:)`` does.
    func step(_ optimizer: ManagedOptimizer, closure: OptimizerClosure?) throws -> Float? {
        guard let module else { throw TrainerError("an optimizer from configureOptimizers() was stepped outside fit: step it inside trainingStep or its hooks") }
        let index = optimizer.index
        var wrapped: OptimizerClosure?
        if optimizationMode == .automatic {
            var evaluations = 0
            // Lightning's order after the closure: the hooks, then clipping.
            let beforeStep = { [unowned self] in
                try self.callBeforeOptimizerStepHooks(module, optimizer)
                try module.configureGradientClipping(optimizer: optimizer, optimizerIndex: index,
                    gradientClipVal: self.gradientClipVal, gradientClipAlgorithm: self.gradientClipAlgorithm)
            }
            if let closure {
                wrapped = { [unowned self] in
                    let loss = try closure()
                    evaluations += 1
                    if evaluations == 1 { try self.checkFirstLoss(loss, of: index) }
                    try beforeStep()
                    return loss
                }
            } else {
                try beforeStep()
            }
        } else if let closure {
            var evaluations = 0
            wrapped = { [unowned self] in
                let local = try closure()
                self.gradientSynchronization.synchronize(index)
                evaluations += 1
                let loss: Float
                if self.checksFiniteSteps {
                    let (global, health) = self.globalLossAndHealth(Double(local), gradientsOf: index)
                    if evaluations == 1 { try self.admitStep(of: index, loss: global, health: health) }
                    loss = global ?? local
                } else {
                    loss = self.globalMean(Double(local)) ?? local
                }
                try self.callBeforeOptimizerStepHooks(module, optimizer)
                return loss
            }
        } else {
            gradientSynchronization.synchronizeIfNeeded(index)
        }
        let loss: Float?
        do {
            if optimizationMode == .manual && closure == nil {
                if checksFiniteSteps {
                    let (global, health) = globalLossAndHealth(manualOptimization.takePendingLoss(), gradientsOf: index)
                    try admitStep(of: index, loss: global, health: health)
                }
                try callBeforeOptimizerStepHooks(module, optimizer)
            }
            if let shard = optimizer.shard {
                loss = try shard.step(closure: wrapped)
            } else {
                loss = try optimizer.optimizer.step(closure: wrapped)
            }
        } catch let skipped as SkippedStep {
            if skipped.nonFinite { countSkippedStep() }
            batchSteps.noteSkipped(index)
            return nil
        }
        gradientSynchronization.stepped(index)
        optimizer.stepCount += 1
        batchSteps.noteStepped(index)
        if let loss { lastStepLoss = loss }
        return loss
    }

    /// Checks the first evaluation of an automatic step's closure: a step no rank had a loss
    /// for is skipped; a non-finite one is handled as ``nonFiniteLoss`` says.
    private func checkFirstLoss(_ loss: Float, of index: Int) throws {
        guard automaticOptimization.lastClosureHadLoss else { throw SkippedStep() }
        guard checksFiniteSteps else { return }
        try admitStep(of: index, loss: loss, health: automaticOptimization.lastWindowHealth)
    }

    // MARK: Losses over ranks

    /// The mean of `local` over the ranks that have a value; `nil` when none has.
    func globalMean(_ local: Double?) -> Float? {
        guard worldSize > 1 else { return local.map(Float.init) }
        var buffer = [local ?? 0, local == nil ? 0 : 1]
        buffer.withUnsafeMutableBufferPointer { communicator.allReduce($0, .sum) }
        return buffer[1] > 0 ? Float(buffer[0] / buffer[1]) : nil
    }

    // MARK: Manual optimization's helpers

    /// Marks gradients as changed by a backward pass of `loss` (manual optimization), and
    /// keeps the loss for the next step's check (a non-finite one until that step).
    func noteManualBackward(loss: Float) {
        gradientSynchronization.gradientsChanged()
        manualOptimization.noteBackward(loss: loss)
    }

    /// Syncs optimizer `index`'s gradients before a manual `clipGradients`, so clipping sees
    /// the averaged gradients, and the following step does not average them again.
    func synchronizeBeforeClipping(_ index: Int) {
        if optimizationMode == .manual { gradientSynchronization.synchronizeIfNeeded(index) }
    }
}
