import DDPTasks

extension RunConfiguration {
    /// Checks every value that can be checked without data, naming the option and what it
    /// takes, so a mistake is reported before any rank starts work.
    func check() throws {
        // nan and infinities are refused for every option at once, before any check reads them.
        if let problem = entries.lazy.compactMap(\.nonFiniteProblem).first { throw CommandError(problem) }
        for entry in entries {
            if let list = entry.value as? any CommaSeparatedValue, let (text, expected) = list.unreadable {
                throw CommandError("--\(entry.key) takes \(expected), got '\(text)'")
            }
        }
        let trainer = settings.trainer
        if let maxEpochs = trainer.maxEpochs { try require(maxEpochs >= 1, "--max-epochs must be at least 1, got \(maxEpochs)") }
        if let maxSteps = trainer.maxSteps { try require(maxSteps >= 1, "--max-steps must be at least 1, got \(maxSteps)") }
        if let batchSize = trainer.batchSize {
            try require(batchSize >= 1, "--batch-size must be at least 1 (samples per rank), got \(batchSize)")
        }
        try require(trainer.accumulateGradBatches >= 1,
                    "--accumulate-grad-batches must be at least 1, got \(trainer.accumulateGradBatches)")
        if let clip = trainer.gradientClipVal {
            try require(clip >= 0 && clip.isFinite, "--gradient-clip-val must be a number >= 0 (0: no clipping), got \(clip)")
        }
        try require(GradientClipAlgorithm(rawValue: trainer.gradientClipAlgorithm) != nil,
                    "--gradient-clip-algorithm takes norm or value, got '\(trainer.gradientClipAlgorithm)'")
        let interval = trainer.valCheckInterval
        try require(interval > 0 && (interval <= 1 || interval == interval.rounded()),
                    "--val-check-interval takes a fraction of an epoch in (0, 1] or a whole number of batches, got \(interval)")
        try require(trainer.logEveryNSteps >= 1, "--log-every-n-steps must be at least 1, got \(trainer.logEveryNSteps)")
        if let every = trainer.checkpointEveryNSteps {
            try require(every >= 1, "--checkpoint-every-n-steps must be at least 1, got \(every)")
        }
        if let every = trainer.checkConsistency {
            try require(every >= 1, "--check-consistency must be at least 1 step, got \(every)")
        }
        try require(NonFiniteLossPolicy(nanPolicy: trainer.nanPolicy) != nil,
                    "--nan-policy takes error, skip or continue, got '\(trainer.nanPolicy)'")
        try require(trainer.collectiveTimeout >= 0 && trainer.collectiveTimeout.isFinite,
                    "--collective-timeout takes seconds >= 0 (0: no timeout), got \(trainer.collectiveTimeout)")
        try require(!trainer.logDir.isEmpty, "--log-dir needs a folder path")
        if let patience = trainer.earlyStoppingPatience {
            try require(patience >= 0, "--early-stopping-patience must be at least 0 validations, got \(patience)")
        }
        if let delta = trainer.earlyStoppingMinDelta {
            try require(trainer.earlyStoppingPatience != nil,
                        "--early-stopping-min-delta applies with --early-stopping-patience: give both, or leave it out")
            try require(delta >= 0, "--early-stopping-min-delta must be at least 0, got \(delta)")
        }
        if trainer.strategy == .zero1 {
            let lbfgs = settings.task == "lbfgs" || settings.optimizer.name == "lbfgs"
            try require(!lbfgs, "--strategy zero1 shards the optimizer state parameter by parameter, but L-BFGS keeps one state over all parameters: use --strategy ddp with L-BFGS")
        }
        try checkRunControls()
        _ = try TaskRegistry.task(named: settings.task)
        if let hidden = settings.model.hidden?.elements {
            try require(!hidden.isEmpty && hidden.allSatisfy { $0 > 0 }, "--hidden takes positive widths like 256,256")
        }
        if let name = settings.optimizer.name {
            try require(OptimizerSettings.names.contains(name),
                        "unknown optimizer '\(name)': use one of \(OptimizerSettings.names.joined(separator: ", "))")
        }
        if let lr = settings.optimizer.lr { try require(lr > 0 && lr.isFinite, "--lr must be a positive number, got \(lr)") }
        if let name = settings.scheduler.name {
            try require(SchedulerSettings.names.contains(name),
                        "unknown scheduler '\(name)': use one of \(SchedulerSettings.names.joined(separator: ", "))")
        }
        let schedulerInterval = settings.scheduler.schedulerInterval
        try require(["step", "epoch"].contains(schedulerInterval), "--scheduler-interval takes step or epoch, got '\(schedulerInterval)'")
        let valSplit = settings.data.valSplit
        try require((0..<1).contains(valSplit), "--val-split must be a fraction in [0, 1) (0: no validation), got \(valSplit)")
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
