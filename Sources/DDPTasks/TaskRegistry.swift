/// A built-in task of `swift-ddp`: its name, what it trains, and how to build it.
public struct TaskDescriptor: Sendable {
    public let name: String
    /// One line for `--task` help.
    public let summary: String
    /// Builds the module and its data from the settings, drawing initial weights from the
    /// generator (seeded with the run's seed).
    public let build: @Sendable (TaskSettings, inout RandomGenerator) throws -> BuiltTask

    public init(
        name: String, summary: String,
        build: @escaping @Sendable (TaskSettings, inout RandomGenerator) throws -> BuiltTask
    ) {
        self.name = name
        self.summary = summary
        self.build = build
    }
}

/// The built-in tasks. A new task is a ``TaskDescriptor`` (usually a static property next
/// to its module) added to ``all``.
public enum TaskRegistry {
    /// Every task, the default first.
    public static let all: [TaskDescriptor] = [
        .classifier, .fineTuning, .logisticRegressionLBFGS, .linearRegression, .gan, .cycleGAN, .gpt,
    ]

    /// The task `--task` selects by default.
    public static var defaultTask: TaskDescriptor { all[0] }

    /// The task named `name`.
    public static func task(named name: String) throws -> TaskDescriptor {
        guard let task = all.first(where: { $0.name == name }) else {
            throw TaskError("unknown task '\(name)': use one of \(all.map(\.name).joined(separator: ", "))")
        }
        return task
    }

    /// Builds the task `settings` name: draws the weights from the seed, builds module and data, loads
    /// `initFrom`, and checks the optimizer settings.
    public static func build(_ settings: TaskSettings) throws -> BuiltTask {
        let descriptor = try task(named: settings.task)
        if let batchSize = settings.trainer.batchSize, batchSize < 1 {
            throw TaskError("--batch-size must be at least 1, got \(batchSize)")
        }
        try settings.adversarial.rejectOptions(notFor: descriptor.name)
        try settings.gpt.rejectOptions(notFor: descriptor.name)
        var initialization = RandomGenerator(seed: settings.trainer.seed)
        let built = try descriptor.build(settings, &initialization)
        if let path = settings.model.initFrom { try built.loadInitialWeights(from: path) }
        try built.checkOptimizers()
        if !built.module.automaticOptimization { try settings.trainer.refuseAutomaticOptimizationOptions(task: descriptor.name) }
        return built
    }
}
