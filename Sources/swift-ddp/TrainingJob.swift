import DDPTasks
import Foundation

/// A configured run of a task on this process's rank: everything that can go wrong with the
/// user's options or data is found when it is made, before MPI starts, so every rank fails
/// alike and at once; then ``start(_:)`` joins the other ranks and trains, validates or tests.
struct TrainingJob {
    let configuration: RunConfiguration
    let launch: LaunchEnvironment
    /// The task, built for the number of ranks the launcher announced.
    let prepared: BuiltTask

    init(configuration: RunConfiguration, launch: LaunchEnvironment) throws {
        self.configuration = configuration
        self.launch = configuration.settings.trainer.debug ? LaunchEnvironment(rank: 0, worldSize: 1) : launch
        prepared = try TaskRegistry.build(configuration.taskSettings(worldSize: self.launch.worldSize))
        try configuration.checkRunControls(for: prepared)
    }

    /// Starts MPI (unless `debug`), then runs `work` on every rank; an error on any rank
    /// prints one line naming the rank and ends every rank.
    func start(_ work: (any Communicator, BuiltTask) throws -> Void) {
        let communicator = makeCommunicator(debug: configuration.settings.trainer.debug)
        defer {
            PeerLinks.current?.finish()
            MPICommunicator.finalize()
        }
        RankFailure.installSignalHandlers(rank: communicator.rank)
        PeerDeathReport.install(communicator: communicator)
        PeerLinks.install(communicator: communicator)
        RankFailure.run(communicator: communicator) {
            do {
                // A launcher that announced no size (or another) gets the task built for the real world.
                let task = communicator.worldSize == launch.worldSize
                    ? prepared : try TaskRegistry.build(configuration.taskSettings(worldSize: communicator.worldSize))
                try work(communicator, task)
            } catch let error as CommandError {
                throw SameOnEveryRank(description: error.description)
            } catch let error as TaskError {
                throw SameOnEveryRank(description: error.description)
            } catch let error as CheckpointError {
                throw SameOnEveryRank(description: error.description)
            } catch let error as NonFiniteStepError {
                throw SameOnEveryRank(description: error.description + " with --nan-policy skip")
            } catch let error as NonFiniteWeightsError {
                throw SameOnEveryRank(description: error.description)
            }
        }
    }

    /// Trains the task, logging to `log-dir` from rank 0, and prints a summary there.
    func fit() {
        start { communicator, task in
            let logDir = configuration.settings.trainer.logDir
            let checkpoints = try Checkpointing.setUp(configuration.checkpointPlan(for: .fit), module: task.module)
            var loggers: [any MetricsLogger] = []
            let cycleLoss = SeriesEndpoints(metric: "cycle_loss")
            // fast-dev-run writes nothing, as Lightning's.
            let fastDevRun = (configuration.settings.trainer.fastDevRun ?? 0) > 0
            if communicator.isRoot && !fastDevRun {
                // A resumed run keeps the rows logged before its checkpoint and continues them.
                loggers = [try CSVLogger(directory: logDir, continuingBefore: checkpoints.resumedStep),
                           try TensorBoardLogger(directory: logDir), try CurvesPlot(directory: logDir), cycleLoss]
                try HyperparametersFile.write(configuration.record, to: logDir)
            }
            let trainer = try configuration.makeTrainer(for: task, communicator: communicator,
                                                        callbacks: configuration.monitoringCallbacks + checkpoints.callbacks,
                                                        loggers: loggers)
            trainer.runConfiguration = configuration.exactnessRecord.merging(task.checkpointMetadata) { _, task in task }
            trainer.exactConfigurationKeys = configuration.keysThatChangeTheRun
            let loader = try task.trainingLoader()
            if communicator.isRoot {
                let all = (loader.batchesPerEpoch + communicator.worldSize - 1) / communicator.worldSize
                let steps = trainer.limitTrainBatches.batches(of: all)
                print("swift-ddp: \(configuration.settings.task) on \(task.data.source), \(communicator.worldSize) rank(s): "
                      + "\(task.summary); \(steps) batches/epoch of \(task.batchSize * communicator.worldSize) samples; logs in \(logDir)/")
            }
            let untrained = communicator.isRoot ? try RunSummary.untrainedFigures(of: task.module, validation: task.data.validation) : [:]
            let started = MonotonicClock.seconds()
            try trainer.fit(task.module, train: loader, validation: task.validationLoader(),
                            checkpointPath: checkpoints.resumePath, forceResume: configuration.settings.trainer.forceResume)
            if communicator.isRoot {
                let summary = RunSummary(metrics: trainer.callbackMetrics, cycleLoss: cycleLoss, module: task.module,
                                         untrained: untrained)
                print("done in \(formatted(MonotonicClock.seconds() - started)) s: " + summary.line)
                if let line = RunControlReport.line(for: trainer) { print(line) }
            }
            // As a script's `trainer.test` after `trainer.fit`: the trained weights on the unseen test set.
            if task.hasTestStep, let test = try task.testLoader() {
                try self.test(task, on: test, communicator: communicator)
            }
        }
    }

    /// Validates the task's model from the checkpoint in the plan and prints the metrics on rank 0.
    func validate() {
        start { communicator, task in
            guard let validation = try task.validationLoader() else {
                throw CommandError("validate needs validation samples: set --val-split above 0")
            }
            _ = try Checkpointing.setUp(configuration.checkpointPlan(for: .validate), module: task.module)
            let trainer = try configuration.makeTrainer(for: task, communicator: communicator, callbacks: [], loggers: [])
            let metrics = try trainer.validate(task.module, data: validation)
            if communicator.isRoot { print(RunSummary(metrics: metrics, module: task.module).line) }
        }
    }

    /// Tests the task's model from the checkpoint in the plan on the data's separate test set
    /// and prints the metrics on rank 0.
    func test() {
        start { communicator, task in
            guard task.hasTestStep else {
                throw CommandError("the \(configuration.settings.task) task has no test step (test_loss, test_acc): "
                    + "test a classification task, such as the classifier")
            }
            guard task.data.hasTestSet else {
                throw CommandError("test needs a data set with a separate test set, and \(task.data.source) has none: "
                    + "use --data fashion-mnist, or validate for the held-out validation split")
            }
            _ = try Checkpointing.setUp(configuration.checkpointPlan(for: .test), module: task.module)
            guard let test = try task.testLoader() else { return }
            try self.test(task, on: test, communicator: communicator)
        }
    }

    /// Tests `task`'s module on `loader` with a trainer of its own, and prints the figures on rank 0.
    private func test(_ task: BuiltTask, on loader: DataLoader, communicator: any Communicator) throws {
        let trainer = try configuration.makeTrainer(for: task, communicator: communicator, callbacks: [], loggers: [])
        let metrics = try trainer.test(task.module, data: loader)
        if communicator.isRoot {
            var tested = "the \(loader.dataset.count) test images"
            let perRank = try loader.sharded(rank: 0, worldSize: communicator.worldSize, remainder: .uneven).batchesPerEpoch
            let limited = trainer.limitTestBatches.batches(of: perRank)
            if limited < perRank {
                tested = "\(limited) batch(es) of \(loader.batchSize) test images per rank (limit-test-batches)"
            }
            print(RunSummary(metrics: metrics, module: task.module).line + " on " + tested)
        }
    }
}

/// `value` to four decimals.
func formatted(_ value: Double) -> String {
    let scaled = (value * 10000).rounded() / 10000
    return String(scaled)
}

/// A mistake in the options that every rank finds alike after MPI has started: rank 0 alone
/// reports it, as `swift-ddp: error: ...`, and ends the job.
struct SameOnEveryRank: CollectiveError {
    let message: String

    init(description: String) { message = description }

    var description: String { "error: " + message }
}
