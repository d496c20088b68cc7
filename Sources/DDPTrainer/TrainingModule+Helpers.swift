import DDPNN
import DDPOptim
import DDPTensor

/// What a training module uses during `fit`: the trainer, logging, its optimizers and
/// schedulers, and the manual-optimization tools. These are not hooks.
extension TrainingModule {
    /// The trainer fitting this module; only valid inside ``Trainer/fit(_:train:validation:)``.
    public var trainer: Trainer {
        guard let trainer = attachedTrainer else {
            preconditionFailure("\(type(of: self)) is not being fitted: its trainer exists only during Trainer.fit")
        }
        return trainer
    }

    /// Logs a scalar, as Lightning's `self.log`.
    ///
    /// - Parameters:
    ///   - onStep: log this step's value (default: `true` in training, `false` in validation and test).
    ///   - onEpoch: log the epoch's value (default: the opposite). Both: logged as `name_step`
    ///     and `name_epoch`.
    ///   - progressBar: show it in the progress bar.
    ///   - syncDist: reduce it over ranks with `reduceFx` (validation and test epoch metrics
    ///     always are). A collective: every rank must log the same names in the same order.
    ///   - reduceFx: how the epoch value is formed from the steps' and ranks' values: the mean
    ///     weighted by batch size (default), the sum, the maximum or the minimum.
    ///   - rankZeroOnly: only rank 0 logs it (the other ranks' calls do nothing), as Lightning's
    ///     `rank_zero_only`: for values only rank 0 has. Never synced, so it cannot be used with
    ///     `syncDist`; callbacks on other ranks do not see it, so do not monitor it.
    ///
    /// Outside `fit` it does nothing.
    public func log(
        _ name: String, _ value: Double, onStep: Bool? = nil, onEpoch: Bool? = nil,
        progressBar: Bool = false, syncDist: Bool = false, reduceFx: ReduceFx = .mean, rankZeroOnly: Bool = false
    ) {
        precondition(!(rankZeroOnly && syncDist),
                     "log('\(name)'): rankZeroOnly values are logged by rank 0 alone and cannot be synced: drop syncDist or rankZeroOnly")
        guard let trainer = attachedTrainer, !rankZeroOnly || trainer.isGlobalZero else { return }
        trainer.metrics.log(name, value, onStep: onStep, onEpoch: onEpoch, progressBar: progressBar,
                            syncDist: syncDist, reduceFx: reduceFx, rankZeroOnly: rankZeroOnly)
    }

    /// Logs a one-element tensor (a loss) by value.
    public func log(
        _ name: String, _ value: Tensor, onStep: Bool? = nil, onEpoch: Bool? = nil,
        progressBar: Bool = false, syncDist: Bool = false, reduceFx: ReduceFx = .mean, rankZeroOnly: Bool = false
    ) {
        log(name, Double(value.item), onStep: onStep, onEpoch: onEpoch, progressBar: progressBar, syncDist: syncDist,
            reduceFx: reduceFx, rankZeroOnly: rankZeroOnly)
    }

    /// Logs several scalars with the same options, in the order given.
    public func logDict(
        _ values: KeyValuePairs<String, Double>, onStep: Bool? = nil, onEpoch: Bool? = nil,
        progressBar: Bool = false, syncDist: Bool = false, reduceFx: ReduceFx = .mean, rankZeroOnly: Bool = false
    ) {
        for (name, value) in values {
            log(name, value, onStep: onStep, onEpoch: onEpoch, progressBar: progressBar, syncDist: syncDist,
                reduceFx: reduceFx, rankZeroOnly: rankZeroOnly)
        }
    }

    /// Logs several one-element tensors (losses) by value, with the same options, in the order given.
    public func logDict(
        _ values: KeyValuePairs<String, Tensor>, onStep: Bool? = nil, onEpoch: Bool? = nil,
        progressBar: Bool = false, syncDist: Bool = false, reduceFx: ReduceFx = .mean, rankZeroOnly: Bool = false
    ) {
        for (name, value) in values {
            log(name, value, onStep: onStep, onEpoch: onEpoch, progressBar: progressBar, syncDist: syncDist,
                reduceFx: reduceFx, rankZeroOnly: rankZeroOnly)
        }
    }

    /// The optimizers from ``configureOptimizers()``, wrapped so that a step first syncs
    /// gradients over the ranks.
    public func optimizers() -> [ManagedOptimizer] { trainer.optimizers }

    /// The one optimizer: `let optimizer: ManagedOptimizer = optimizers()`.
    @_disfavoredOverload
    public func optimizers() -> ManagedOptimizer {
        let all = trainer.optimizers
        precondition(all.count == 1, "\(type(of: self)) has \(all.count) optimizers: take them as an array or a pair")
        return all[0]
    }

    /// Two optimizers, as in a GAN: `let (g, d) = optimizers()`.
    @_disfavoredOverload
    public func optimizers() -> (ManagedOptimizer, ManagedOptimizer) {
        let all = trainer.optimizers
        precondition(all.count == 2, "\(type(of: self)) has \(all.count) optimizers, not 2: take them as an array")
        return (all[0], all[1])
    }

    /// The schedulers from ``configureOptimizers()``, in the order given (entries first).
    public func lrSchedulers() -> [any LRScheduler] { trainer.schedulers.map(\.scheduler) }

    /// The one scheduler.
    @_disfavoredOverload
    public func lrSchedulers() -> any LRScheduler {
        let all = lrSchedulers()
        precondition(all.count == 1, "\(type(of: self)) has \(all.count) schedulers: take them as an array or a pair")
        return all[0]
    }

    /// Two schedulers: `let (first, second) = lrSchedulers()`.
    @_disfavoredOverload
    public func lrSchedulers() -> (any LRScheduler, any LRScheduler) {
        let all = lrSchedulers()
        precondition(all.count == 2, "\(type(of: self)) has \(all.count) schedulers, not 2: take them as an array")
        return (all[0], all[1])
    }

    /// Backpropagates `loss` (manual optimization's `loss.backward()`), between the
    /// `onBeforeBackward` and `onAfterBackward` hooks. Gradients stay on
    /// this rank until an optimizer's `step()`, `clipGradients` or `synchronizeGradients()`
    /// averages them over the ranks, so accumulating over several calls costs no
    /// communication. Until then `.grad` holds this rank's own gradients: read them after
    /// `synchronizeGradients()`. On several ranks the trainer compares the replicas after
    /// every training step: one that changed the parameters with unaveraged gradients (a raw
    /// `optimizer.optimizer.step()`) ends `fit` with ``ManualReplicaDriftError`` on every rank.
    public func manualBackward(_ loss: Tensor) throws {
        try TrainerError.require(loss.count == 1, "manualBackward needs a one-element loss, got shape \(loss.shape)")
        trainer.noteManualBackward(loss: loss.item)
        try trainer.backward(loss, of: self)
    }

    /// Lets only `optimizer`'s parameters receive gradients (the others stop requiring them)
    /// until ``untoggleOptimizer(_:)``.
    public func toggleOptimizer(_ optimizer: ManagedOptimizer) { trainer.toggling.toggle(optimizer.index) }

    /// Restores what ``toggleOptimizer(_:)`` changed.
    public func untoggleOptimizer(_ optimizer: ManagedOptimizer) { trainer.toggling.untoggle() }

    /// Clips `optimizer`'s gradients by joint norm or by value; with no value, nothing.
    /// Called on synchronised gradients, so every rank clips alike.
    public func clipGradients(
        _ optimizer: ManagedOptimizer, gradientClipVal: Double?, gradientClipAlgorithm: GradientClipAlgorithm? = nil
    ) throws {
        guard let value = gradientClipVal, value > 0 else { return }
        trainer.synchronizeBeforeClipping(optimizer.index)
        let parameters = optimizer.optimizer.allParameters
        switch gradientClipAlgorithm ?? .norm {
        case .norm: try clipGradNorm(parameters, maxNorm: value)
        case .value: try clipGradValue(parameters, clipValue: value)
        }
    }
}
