/// Which optimizers' steps count for the batch being trained, and which the trainer skipped
/// (no loss on any rank, or ``NonFiniteLossPolicy/skip``). A batch with a counted step
/// advances ``Trainer/globalStep`` (see there).
struct BatchSteps {
    /// Optimizer indices whose step counts for the current batch.
    private(set) var stepped: [Int] = []
    /// Optimizer indices whose step the trainer skipped during the current batch.
    private(set) var skipped: [Int] = []

    /// Whether some optimizer's step counts for this batch.
    var anyStepped: Bool { !stepped.isEmpty }

    /// Forgets the previous batch's steps.
    mutating func startBatch() {
        stepped.removeAll(keepingCapacity: true)
        skipped.removeAll(keepingCapacity: true)
    }

    /// Optimizer `index` stepped.
    mutating func noteStepped(_ index: Int) {
        if !stepped.contains(index) { stepped.append(index) }
    }

    /// The trainer skipped optimizer `index`'s step.
    mutating func noteSkipped(_ index: Int) {
        if !skipped.contains(index) { skipped.append(index) }
    }

    /// Counts a closed accumulation window's step for optimizer `index`, whatever the
    /// module's `optimizerStep` did with it, unless the trainer skipped it.
    mutating func noteWindowClosed(by index: Int) {
        if !stepped.contains(index) && !skipped.contains(index) { stepped.append(index) }
    }
}
