import DDPTasks

/// What a run control did to the run, in one line for rank 0 to print after training.
enum RunControlReport {
    /// The line for a fast-dev-run or a run the time limit stopped (`nil`: neither).
    static func line(for trainer: Trainer) -> String? {
        if trainer.isFastDevRun {
            return "fast-dev-run: trained \(batches(trainer.batchesSeen)) (\(trainer.globalStep) optimizer step(s)) and "
                + "validated \(batches(trainer.validationBatchesSeen)) on each rank, in \(trainer.currentEpoch) epoch; "
                + "no logs or checkpoints written"
        }
        if let timer = trainer.callbacks.lazy.compactMap({ $0 as? DDPTrainer.Timer }).first, timer.reachedLimit {
            return "max-time: stopped after \(formatted(timer.timeElapsed())) s of training, at step \(trainer.globalStep) "
                + "(epoch \(trainer.currentEpoch)); continue with --resume last"
        }
        return nil
    }

    private static func batches(_ count: Int) -> String { count == 1 ? "1 batch" : "\(count) batches" }
}
