import ArgumentParser
import DDPTasks

/// The learning-rate scheduler (`torch.optim.lr_scheduler` parameters in kebab case) and
/// when it steps.
struct SchedulerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The learning-rate scheduler (default: the task's, usually none): \(SchedulerSettings.names.joined(separator: ", ")).")) var scheduler: String?
    @Option(help: "When the scheduler steps: epoch (as in Lightning) or step.") var schedulerInterval = "epoch"
    @Option(help: "Intervals between decays (step).") var stepSize: Int?
    @Option(help: "Decay factor (step, multistep: default 0.1; exponential).") var gamma: Double?
    @Option(help: "Intervals at which to decay, comma-separated (multistep).", transform: CommaSeparated.reading(like: "10,20"))
    var milestones: CommaSeparated<Int>?
    @Option(help: "Intervals of the half cosine (cosine; default: the whole run).") var tMax: Int?
    @Option(help: "Lowest learning rate (cosine, cosine-warm-restarts).") var etaMin: Double?
    @Option(help: "Intervals in the first cycle (cosine-warm-restarts).") var t0: Int?
    @Option(help: "Cycle length factor (cosine-warm-restarts).") var tMult: Int?
    @Option(help: "Peak learning rate (onecycle: default lr; cyclic).") var maxLr: Double?
    @Option(help: "Lowest learning rate (cyclic; default max-lr/10).") var baseLr: Double?
    @Option(help: "Share of the cycle spent rising (onecycle, default 0.3).") var pctStart: Double?
    @Option(help: "Length of the cycle (onecycle; default: the whole run).") var totalSteps: Int?
    @Option(help: "Intervals of the rising half cycle (cyclic, default 2000).") var stepSizeUp: Int?
    @Option(help: "Initial factor (linear).") var startFactor: Double?
    @Option(help: "Final factor (linear).") var endFactor: Double?
    @Option(help: "Factor (constant; plateau: reduction factor).") var factor: Double?
    @Option(help: "Intervals until the final factor (linear, constant, polynomial).") var totalIters: Int?
    @Option(help: "Exponent (polynomial).") var power: Double?
    @Option(help: "Validations without improvement before reducing (plateau, default 10).") var patience: Int?
    @Option(help: "Smallest improvement that counts (plateau).") var threshold: Double?
    @Option(help: "The logged metric plateau watches (default val_loss).") var monitor: String?
    @Option(help: "Whether the monitored metric should fall (min, default) or rise (max).") var mode: String?
}
