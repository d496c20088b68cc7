import DDPDistributed

/// What manual optimization keeps between the module's calls: the loss of the last
/// `manualBackward` (checked at the next step under ``NonFiniteLossPolicy``), and, on
/// several ranks, the audit that compares the replicas after every training batch.
final class ManualOptimization {
    /// The loss of the last manual backward since the last step (a non-finite one kept).
    private var pendingLoss: Double?
    /// Compares the replicas after every manual training batch (several ranks only): a step
    /// on unaveraged gradients must not go unnoticed.
    private var replicaAudit: ParameterAudit?

    /// Sets the replica audit for a `fit` (`nil`: automatic optimization, or one rank).
    func prepare(replicaAudit: ParameterAudit?) {
        self.replicaAudit = replicaAudit
    }

    /// Keeps the loss of a backward pass for the next step's check; a non-finite one stays
    /// until that step.
    func noteBackward(loss: Float) {
        if pendingLoss?.isFinite ?? true { pendingLoss = Double(loss) }
    }

    /// The loss of the backward passes since the last step, which the step consumes.
    func takePendingLoss() -> Double? {
        defer { pendingLoss = nil }
        return pendingLoss
    }

    /// Checks that the replicas still agree after a training batch: a hash of the
    /// parameters and buffers and one 8-byte all-gather (a no-op without an audit).
    /// - Throws: ``ManualReplicaDriftError``, alike on every rank.
    func checkReplicas(step: Int, epoch: Int, batchIndex: Int) throws {
        guard let replicaAudit else { return }
        do {
            try replicaAudit.checkNow(step: step)
        } catch let drift as ParameterAuditError {
            throw ManualReplicaDriftError(epoch: epoch, batchIndex: batchIndex, differingRanks: drift.differingRanks)
        }
    }
}
