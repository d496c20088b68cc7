/// The bookkeeping of automatic optimization's accumulation windows: each optimizer's
/// losses in the current window, what the last closure found (a loss on some rank, finite
/// loss and gradients), and the windows completed. The trainer's loop
/// (`Trainer+Optimization.swift`) builds the closures and calls the hooks; this keeps what
/// they share from one call to the next.
final class AutomaticOptimization {
    /// Per optimizer: the sum and count of the losses in the current accumulation window.
    private var windowLosses: [(sum: Double, count: Int)] = []
    /// Whether the last closure evaluation had a loss on some rank.
    var lastClosureHadLoss = true
    /// Whether the loss and gradients of the last closed window were finite on every rank.
    var lastWindowHealth = StepHealth()
    /// Accumulation windows completed (a progress counter kept in checkpoints).
    var windowsCompleted = 0

    /// Empties the windows of `optimizerCount` optimizers (at the start of every `fit`).
    func prepare(optimizerCount: Int) {
        windowLosses = Array(repeating: (0, 0), count: optimizerCount)
    }

    /// A window starts for every optimizer. With frequencies the optimizer closing a window
    /// need not be the one that opened it: its window loss covers only the batches it trained on.
    func startWindows() {
        windowLosses = windowLosses.map { _ in (0, 0) }
    }

    /// Optimizer `index`'s window starts again (its gradients were just zeroed).
    func startWindow(of index: Int) {
        windowLosses[index] = (0, 0)
    }

    /// Adds a batch's loss to optimizer `index`'s window.
    func add(loss: Double, to index: Int) {
        windowLosses[index].sum += loss
        windowLosses[index].count += 1
    }

    /// The mean loss of optimizer `index`'s window on this rank (`nil`: no batch had a loss).
    func meanLoss(of index: Int) -> Double? {
        let window = windowLosses[index]
        return window.count > 0 ? window.sum / Double(window.count) : nil
    }

    /// A window closed (its optimizers stepped, or the trainer skipped them).
    func windowClosed() {
        windowsCompleted += 1
    }
}
