/// How the ranks share the work of a step (Lightning's `strategy`).
public enum Strategy: String, Sendable, CaseIterable {
    /// Every rank holds the whole optimizer state and updates every parameter (PyTorch DDP).
    case ddp
    /// Every rank holds the optimizer state of its share of the parameters alone and updates
    /// only those; the owners then send the updated parameters to every rank (ZeRO stage 1,
    /// PyTorch's `ZeroRedundancyOptimizer`). Gradients are averaged as under ``ddp``, so the
    /// weights end bit for bit as under ``ddp``.
    case zero1
}
