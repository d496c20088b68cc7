import DDPTasks
import Foundation

/// A run's configuration: the keys of `--config` files, `--print-config` and `hparams.yaml`,
/// which are the command-line options' names (`max-epochs: 20` is `--max-epochs 20`).
///
/// Every key is optional: a configuration is one layer (the defaults, a file, the command
/// line), and ``merged(with:)`` lays one over another. Lists are YAML sequences
/// (`hidden: [256, 256]`), given on the command line comma-separated (`--hidden 256,256`).
struct RunConfiguration: Codable, Equatable {
    // Trainer (Lightning's names)
    var maxEpochs: Int?
    var maxSteps: Int?
    var batchSize: Int?
    var accumulateGradBatches: Int?
    var gradientClipVal: Double?
    var gradientClipAlgorithm: String?
    var valCheckInterval: Double?
    var logEveryNSteps: Int?
    var seed: UInt64?
    var logDir: String?
    var checkpointDir: String?
    var checkpointEveryNSteps: Int?
    var resume: String?
    var forceResume: Bool?
    var debug: Bool?
    var checkConsistency: Int?
    // Task and model
    var task: String?
    var model: String?
    var hidden: [Int]?
    var classes: Int?
    var initFrom: String?
    // Optimizer
    var optimizer: String?
    var lr: Double?
    var momentum: Double?
    var dampening: Double?
    var nesterov: Bool?
    var weightDecay: Double?
    var betas: [Double]?
    var eps: Double?
    var amsgrad: Bool?
    var alpha: Double?
    var rho: Double?
    var lrDecay: Double?
    var maxIter: Int?
    var historySize: Int?
    var lineSearch: String?
    // Scheduler
    var scheduler: String?
    var schedulerInterval: String?
    var stepSize: Int?
    var gamma: Double?
    var milestones: [Int]?
    var tMax: Int?
    var etaMin: Double?
    var t0: Int?
    var tMult: Int?
    var maxLr: Double?
    var baseLr: Double?
    var pctStart: Double?
    var totalSteps: Int?
    var stepSizeUp: Int?
    var startFactor: Double?
    var endFactor: Double?
    var factor: Double?
    var totalIters: Int?
    var power: Double?
    var patience: Int?
    var threshold: Double?
    var monitor: String?
    var mode: String?
    // Data
    var data: String?
    var labelColumn: String?
    var valSplit: Double?
    var shuffle: Bool?
    // GAN and CycleGAN
    var optimization: String?
    var ganData: String?
    var generatorFrequency: Int?
    var discriminatorFrequency: Int?
    var optimizers: String?
    var lrGA: Double?
    var lrGB: Double?
    var lrDA: Double?
    var lrDB: Double?
    var transform: String?
    var decaySteps: Int?
    var decayRate: Double?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxEpochs = "max-epochs", maxSteps = "max-steps", batchSize = "batch-size"
        case accumulateGradBatches = "accumulate-grad-batches", gradientClipVal = "gradient-clip-val"
        case gradientClipAlgorithm = "gradient-clip-algorithm", valCheckInterval = "val-check-interval"
        case logEveryNSteps = "log-every-n-steps", seed, logDir = "log-dir", checkpointDir = "checkpoint-dir"
        case checkpointEveryNSteps = "checkpoint-every-n-steps", resume, forceResume = "force-resume", debug, checkConsistency = "check-consistency"
        case task, model, hidden, classes, initFrom = "init-from"
        case optimizer, lr, momentum, dampening, nesterov, weightDecay = "weight-decay", betas, eps, amsgrad, alpha, rho
        case lrDecay = "lr-decay", maxIter = "max-iter", historySize = "history-size", lineSearch = "line-search"
        case scheduler, schedulerInterval = "scheduler-interval", stepSize = "step-size", gamma, milestones
        case tMax = "t-max", etaMin = "eta-min", t0, tMult = "t-mult", maxLr = "max-lr", baseLr = "base-lr"
        case pctStart = "pct-start", totalSteps = "total-steps", stepSizeUp = "step-size-up"
        case startFactor = "start-factor", endFactor = "end-factor", factor, totalIters = "total-iters", power
        case patience, threshold, monitor, mode
        case data, labelColumn = "label-column", valSplit = "val-split", shuffle
        case optimization, ganData = "gan-data", generatorFrequency = "generator-frequency"
        case discriminatorFrequency = "discriminator-frequency", optimizers, lrGA = "lr-g-a", lrGB = "lr-g-b"
        case lrDA = "lr-d-a", lrDB = "lr-d-b", transform, decaySteps = "decay-steps", decayRate = "decay-rate"
    }

    /// The values a run takes when neither a file nor the command line gives them.
    static let defaults = RunConfiguration(
        maxEpochs: 20, accumulateGradBatches: 1, gradientClipAlgorithm: "norm", valCheckInterval: 1.0,
        logEveryNSteps: 10, seed: 0, logDir: "logs", forceResume: false, debug: false, task: TaskRegistry.defaultTask.name,
        schedulerInterval: "epoch", valSplit: 0.1, shuffle: true)

    /// This configuration with every key that `overrides` gives replaced by its value.
    func merged(with overrides: RunConfiguration) -> RunConfiguration {
        do {
            let encoder = JSONEncoder()
            var base = try JSONSerialization.jsonObject(with: encoder.encode(self)) as? [String: Any] ?? [:]
            let top = try JSONSerialization.jsonObject(with: encoder.encode(overrides)) as? [String: Any] ?? [:]
            base.merge(top) { _, new in new }
            return try JSONDecoder().decode(RunConfiguration.self, from: JSONSerialization.data(withJSONObject: base))
        } catch {
            preconditionFailure("a configuration always round-trips through JSON: \(error)")
        }
    }

    /// The value of `key`, or its default.
    func value<Value>(_ key: KeyPath<RunConfiguration, Value?>) -> Value {
        guard let value = self[keyPath: key] ?? Self.defaults[keyPath: key] else {
            preconditionFailure("\(key) has no default")
        }
        return value
    }

    /// The folder checkpoints go to: `checkpoint-dir`, or `checkpoints` in the log folder.
    var resolvedCheckpointDir: String {
        checkpointDir ?? (value(\.logDir) as NSString).appendingPathComponent("checkpoints")
    }

    /// The configuration as it will run: defaults filled in. Keys without a default (such
    /// as `max-steps`, or `checkpoint-dir`, which follows `log-dir`) stay out.
    var resolved: RunConfiguration { Self.defaults.merged(with: self) }
}
