import DDPDistributed

/// Replicas that a manual training step left different: it stepped on gradients that were
/// not averaged over the ranks. Thrown alike on every rank.
public struct ManualReplicaDriftError: CollectiveError, Equatable {
    public let epoch: Int
    public let batchIndex: Int
    /// The ranks whose parameters differ from rank 0's.
    public let differingRanks: [Int]

    public var description: String {
        let ranks = differingRanks.map(String.init).joined(separator: ", ")
        let subject = differingRanks.count == 1 ? "rank \(ranks) holds" : "ranks \(ranks) hold"
        return "parameters differ across ranks after batch \(batchIndex) of epoch \(epoch): \(subject) different values "
            + "than rank 0, so a step used this rank's own gradients: step through optimizers() (its step() averages "
            + "the gradients over the ranks), or call synchronizeGradients() on the ManagedOptimizer before stepping "
            + "its raw optimizer"
    }
}
