import DDPTasks

extension RunConfiguration {
    /// Checks Lightning's run controls (`fast-dev-run`, `overfit-batches`, `min-epochs`,
    /// `min-steps`, `max-time`, `num-sanity-val-steps`) and the combinations that make no sense.
    func checkRunControls() throws {
        let trainer = settings.trainer
        if let batches = trainer.fastDevRun {
            try require(batches >= 0, "--fast-dev-run takes a number of batches >= 1 (bare: 1; 0: off), got \(batches)")
            try require(trainer.maxTime == nil || batches == 0,
                        "--fast-dev-run runs a fixed number of batches, so --max-time does not apply: leave one of them out")
        }
        if trainer.overfits {
            try require(settings.data.valSplit > 0,
                        "--overfit-batches limits training and validation alike, and --val-split 0 leaves no validation data: set --val-split above 0")
            try require(trainer.limitTrainBatches == nil && trainer.limitValBatches == nil,
                        "--overfit-batches sets the training and validation limits itself: leave out --limit-train-batches and --limit-val-batches")
        }
        try require(trainer.numSanityValSteps >= -1,
                    "--num-sanity-val-steps takes a number of batches >= 0, or -1 for all, got \(trainer.numSanityValSteps)")
        if let minEpochs = trainer.minEpochs {
            try require(minEpochs >= 0, "--min-epochs must be at least 0, got \(minEpochs)")
            if let maxEpochs = trainer.maxEpochs {
                try require(minEpochs <= maxEpochs, "--min-epochs (\(minEpochs)) must be at most --max-epochs (\(maxEpochs))")
            }
        }
        if let minSteps = trainer.minSteps {
            try require(minSteps >= 0, "--min-steps must be at least 0, got \(minSteps)")
            if let maxSteps = trainer.maxSteps {
                try require(minSteps <= maxSteps, "--min-steps (\(minSteps)) must be at most --max-steps (\(maxSteps))")
            }
        }
        do {
            _ = try trainer.maxTimeLimit()
        } catch let error as TaskError {
            throw CommandError(error.description)
        }
    }

    /// Checks what depends on the task: `min-epochs` against the task's number of epochs.
    func checkRunControls(for task: BuiltTask) throws {
        guard let minEpochs = settings.trainer.minEpochs, settings.trainer.maxEpochs == nil else { return }
        let epochs = settings.maxEpochs(taskDefault: task.defaultMaxEpochs)
        try require(minEpochs <= epochs,
                    "--min-epochs (\(minEpochs)) must be at most the \(settings.task) task's \(epochs) epochs: lower it, or raise --max-epochs")
    }

    private func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw CommandError(message()) }
    }
}
