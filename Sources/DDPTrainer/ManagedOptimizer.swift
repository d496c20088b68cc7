import DDPOptim
import DDPTensor

/// An optimizer as the trainer hands it to a module (Lightning's `LightningOptimizer`).
///
/// ``step(closure:)`` makes the step rank-consistent: in manual optimization it first
/// averages this optimizer's gradients over the ranks (inside the closure, after its
/// backward, when there is one) and hands the closure's loss back averaged over ranks; in
/// automatic optimization the trainer's closure has done that, and the step clips the
/// gradients through `configureGradientClipping` before the update.
///
/// ``optimizer`` is the raw optimizer: stepping it directly skips all of this. In automatic
/// optimization the trainer's closure has averaged the gradients (the step is counted, not
/// clipped); in manual optimization call ``synchronizeGradients()`` first.
public final class ManagedOptimizer {
    /// The optimizer from `configureOptimizers()`.
    public let optimizer: any Optimizer
    /// Its position in `configureOptimizers()`.
    public let index: Int
    /// How many times it has stepped (skipped steps not counted).
    public internal(set) var stepCount = 0
    unowned let trainer: Trainer
    /// This rank's share of the optimizer under ``Strategy/zero1`` (`nil` under ``Strategy/ddp``).
    let shard: ZeroRedundancyShard?

    init(_ optimizer: any Optimizer, index: Int, trainer: Trainer, shard: ZeroRedundancyShard?) {
        self.optimizer = optimizer
        self.index = index
        self.trainer = trainer
        self.shard = shard
    }

    /// The raw optimizer's groups: change `lr` here for a warm-up.
    public var paramGroups: [ParamGroup] {
        get { optimizer.paramGroups }
        set { optimizer.paramGroups = newValue }
    }

    /// Clears this optimizer's gradients (dropped, or filled with zeros).
    public func zeroGrad(setToNone: Bool = true) {
        optimizer.zeroGrad(setToNone: setToNone)
    }

    /// Averages this optimizer's gradients over the ranks now (a collective: every rank calls
    /// it), so that reading them, or stepping the raw ``optimizer``, sees the average. The
    /// next ``step(closure:)`` does not average them again. A no-op on one rank.
    public func synchronizeGradients() {
        trainer.gradientSynchronization.synchronize(index)
    }

    /// Updates the parameters; returns the closure's loss (averaged over ranks), or `nil`
    /// without a closure or when the step was skipped.
    @discardableResult
    public func step(closure: OptimizerClosure? = nil) throws -> Float? {
        try trainer.step(self, closure: closure)
    }
}
