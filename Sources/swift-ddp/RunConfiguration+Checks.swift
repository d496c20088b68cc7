import DDPTasks

extension RunConfiguration {
    /// Checks every value that can be checked without data, naming the option and what it
    /// takes, so a mistake is reported before any rank starts work.
    func check() throws {
        try require(value(\.maxEpochs) >= 1, "--max-epochs must be at least 1, got \(value(\.maxEpochs))")
        if let maxSteps { try require(maxSteps >= 1, "--max-steps must be at least 1, got \(maxSteps)") }
        if let batchSize { try require(batchSize >= 1, "--batch-size must be at least 1 (samples per rank), got \(batchSize)") }
        try require(value(\.accumulateGradBatches) >= 1,
                    "--accumulate-grad-batches must be at least 1, got \(value(\.accumulateGradBatches))")
        if let clip = gradientClipVal {
            try require(clip >= 0 && clip.isFinite, "--gradient-clip-val must be a number >= 0 (0: no clipping), got \(clip)")
        }
        try require(GradientClipAlgorithm(rawValue: value(\.gradientClipAlgorithm)) != nil,
                    "--gradient-clip-algorithm takes norm or value, got '\(value(\.gradientClipAlgorithm))'")
        let interval = value(\.valCheckInterval)
        try require(interval > 0 && (interval <= 1 || interval == interval.rounded()),
                    "--val-check-interval takes a fraction of an epoch in (0, 1] or a whole number of batches, got \(interval)")
        try require(value(\.logEveryNSteps) >= 1, "--log-every-n-steps must be at least 1, got \(value(\.logEveryNSteps))")
        if let every = checkpointEveryNSteps {
            try require(every >= 1, "--checkpoint-every-n-steps must be at least 1, got \(every)")
        }
        if let every = checkConsistency { try require(every >= 1, "--check-consistency must be at least 1 step, got \(every)") }
        try require(!value(\.logDir).isEmpty, "--log-dir needs a folder path")
        _ = try TaskRegistry.task(named: value(\.task))
        if let hidden { try require(!hidden.isEmpty && hidden.allSatisfy { $0 > 0 }, "--hidden takes positive widths like 256,256") }
        if let optimizer {
            try require(OptimizerSettings.names.contains(optimizer),
                        "unknown optimizer '\(optimizer)': use one of \(OptimizerSettings.names.joined(separator: ", "))")
        }
        if let lr { try require(lr > 0 && lr.isFinite, "--lr must be a positive number, got \(lr)") }
        if let scheduler {
            try require(SchedulerSettings.names.contains(scheduler),
                        "unknown scheduler '\(scheduler)': use one of \(SchedulerSettings.names.joined(separator: ", "))")
        }
        try require(["step", "epoch"].contains(value(\.schedulerInterval)),
                    "--scheduler-interval takes step or epoch, got '\(value(\.schedulerInterval))'")
        try require((0..<1).contains(value(\.valSplit)),
                    "--val-split must be a fraction in [0, 1) (0: no validation), got \(value(\.valSplit))")
    }

    private func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw CommandError(message()) }
    }
}

/// A mistake in what the user asked for; printed as `swift-ddp: error: <message>`.
struct CommandError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
