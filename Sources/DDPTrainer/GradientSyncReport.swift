import DDPDistributed

/// Prints, on rank 0 at the start of `fit`, how the gradients are averaged over the ranks:
/// which ranks share a machine and which path that chose, e.g.
/// `gradient sync: hierarchical, 2 hosts x 2 ranks, shared memory inside each host, MPI_Allreduce among the 2 hosts' leaders`.
/// Silent on one rank.
public final class GradientSyncReport: Callback {
    public init() {}

    public func onFitStart(_ trainer: Trainer, _ module: any TrainingModule) throws {
        guard trainer.isGlobalZero, let summary = trainer.gradientSyncSummary else { return }
        writeToStandardError(summary + "\n")
    }
}

extension Trainer {
    /// How `fit` averages the gradients over the ranks, in one line (see ``GradientSyncPath``);
    /// `nil` on one rank or before the first `fit`.
    public var gradientSyncSummary: String? { gradientSynchronization.summary }
}
