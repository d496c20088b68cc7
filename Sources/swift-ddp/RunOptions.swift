import ArgumentParser
import Foundation
import DDPTasks

/// The options of `fit` and `validate`: every key of ``RunConfiguration``, each overriding
/// the `--config` file when given.
struct RunOptions: ParsableArguments {
    @Option(help: "A YAML file of options (keys as the option names: 'max-epochs: 20'); options given here override it.")
    var config: String?

    @OptionGroup(title: "Trainer") var trainer: TrainerOptions
    @OptionGroup(title: "Task and model") var task: TaskOptions
    @OptionGroup(title: "Optimizer") var optimizer: OptimizerOptions
    @OptionGroup(title: "Learning-rate scheduler") var scheduler: SchedulerOptions
    @OptionGroup(title: "Data") var data: DataOptions
    @OptionGroup(title: "GAN and CycleGAN (--task gan, --task cyclegan)") var adversarial: AdversarialOptions

    /// The configuration to run: the defaults, then the `--config` file, then the options given here.
    func configuration() throws -> RunConfiguration {
        let file = try config.map(ConfigurationFile.read) ?? RunConfiguration()
        let given = file.merged(with: try commandLineLayer())
        try given.check()
        return given
    }

    /// The options given on the command line, as a configuration layer.
    func commandLineLayer() throws -> RunConfiguration {
        var layer = RunConfiguration()
        trainer.apply(to: &layer)
        try task.apply(to: &layer)
        try optimizer.apply(to: &layer)
        try scheduler.apply(to: &layer)
        data.apply(to: &layer)
        adversarial.apply(to: &layer)
        return layer
    }
}

struct TrainerOptions: ParsableArguments {
    @Option(help: "Passes over the training data (default 20).") var maxEpochs: Int?
    @Option(help: "Stop after this many optimizer steps.") var maxSteps: Int?
    @Option(help: "Samples per rank per batch, as in Lightning (default 32; the lbfgs task: all samples).") var batchSize: Int?
    @Option(help: "Batches whose gradients add up to one optimizer step (default 1).") var accumulateGradBatches: Int?
    @Option(help: "Clip gradients at this value (0 or absent: no clipping).") var gradientClipVal: Double?
    @Option(help: "norm (the default) or value.") var gradientClipAlgorithm: String?
    @Option(help: "Validate after this fraction of an epoch (default 1.0), or every N batches when above 1.") var valCheckInterval: Double?
    @Option(help: "Write step metrics every N optimizer steps (default 10).") var logEveryNSteps: Int?
    @Option(help: "Seeds the initial weights, the validation split and the data order (default 0).") var seed: UInt64?
    @Option(help: "Folder for metrics.csv, TensorBoard events, curves.svg and hparams.yaml (default logs).") var logDir: String?
    @Option(help: "Folder for checkpoints (default LOG-DIR/checkpoints).") var checkpointDir: String?
    @Option(help: "Also write a checkpoint every N optimizer steps.") var checkpointEveryNSteps: Int?
    @Option(help: "Resume training from this checkpoint ('last': LOG-DIR/checkpoints/last.safetensors or CHECKPOINT-DIR's).")
    var resume: String?
    @Flag(help: "Resume even when the batch size, seed, data or model settings differ from the checkpoint's (not exact).")
    var forceResume = false
    @Flag(help: "Run as one process without MPI.") var debug = false
    @Option(help: "Check every K steps that all ranks hold identical parameters.") var checkConsistency: Int?

    func apply(to layer: inout RunConfiguration) {
        layer.maxEpochs = maxEpochs
        layer.maxSteps = maxSteps
        layer.batchSize = batchSize
        layer.accumulateGradBatches = accumulateGradBatches
        layer.gradientClipVal = gradientClipVal
        layer.gradientClipAlgorithm = gradientClipAlgorithm
        layer.valCheckInterval = valCheckInterval
        layer.logEveryNSteps = logEveryNSteps
        layer.seed = seed
        layer.logDir = logDir
        layer.checkpointDir = checkpointDir
        layer.checkpointEveryNSteps = checkpointEveryNSteps
        layer.resume = resume
        layer.forceResume = forceResume ? true : nil
        layer.debug = debug ? true : nil
        layer.checkConsistency = checkConsistency
    }
}

struct TaskOptions: ParsableArguments {
    @Option(help: ArgumentHelp("What to train (default \(TaskRegistry.defaultTask.name)):\n"
        + TaskRegistry.all.map { "\($0.name): \($0.summary)" }.joined(separator: "\n")))
    var task: String?
    @Option(help: "The classifier's network: mlp (default) or cnn.") var model: String?
    @Option(help: "Hidden layer widths, comma-separated (classifier: 256,256; cnn: conv channels 16,32).") var hidden: String?
    @Option(help: "Number of classes (default: one more than the largest label).") var classes: Int?
    @Option(help: "Start from the weights in this safetensors file (PyTorch state_dict names).") var initFrom: String?

    func apply(to layer: inout RunConfiguration) throws {
        layer.task = task
        layer.model = model
        layer.hidden = try hidden.map { try CommaSeparated.integers($0, option: "--hidden", example: "256,256") }
        layer.classes = classes
        layer.initFrom = initFrom
    }
}

struct OptimizerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The optimizer (default: the task's): \(OptimizerSettings.names.joined(separator: ", ")).")) var optimizer: String?
    @Option(help: "Learning rate (default: the task's for its optimizer, else PyTorch's).") var lr: Double?
    @Option(help: "Momentum (sgd, rmsprop).") var momentum: Double?
    @Option(help: "Dampening (sgd).") var dampening: Double?
    @Flag(inversion: .prefixedNo, help: "Nesterov momentum (sgd).") var nesterov: Bool?
    @Option(help: "Weight decay (L2; decoupled for adamw).") var weightDecay: Double?
    @Option(help: "Adam's betas, comma-separated (default 0.9,0.999).") var betas: String?
    @Option(help: "Term added for numerical stability.") var eps: Double?
    @Flag(inversion: .prefixedNo, help: "AMSGrad (adam, adamw).") var amsgrad: Bool?
    @Option(help: "Smoothing constant (rmsprop).") var alpha: Double?
    @Option(help: "Decay of squared gradients (adadelta).") var rho: Double?
    @Option(help: "Learning-rate decay (adagrad).") var lrDecay: Double?
    @Option(help: "Iterations per step (lbfgs, default 20).") var maxIter: Int?
    @Option(help: "Update history size (lbfgs, default 100).") var historySize: Int?
    @Option(help: "Line search of lbfgs: strong_wolfe (the lbfgs task's default).") var lineSearch: String?

    func apply(to layer: inout RunConfiguration) throws {
        layer.optimizer = optimizer
        layer.lr = lr
        layer.momentum = momentum
        layer.dampening = dampening
        layer.nesterov = nesterov
        layer.weightDecay = weightDecay
        layer.betas = try betas.map { try CommaSeparated.numbers($0, option: "--betas", example: "0.9,0.999") }
        layer.eps = eps
        layer.amsgrad = amsgrad
        layer.alpha = alpha
        layer.rho = rho
        layer.lrDecay = lrDecay
        layer.maxIter = maxIter
        layer.historySize = historySize
        layer.lineSearch = lineSearch
    }
}

struct SchedulerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The learning-rate scheduler (default: the task's, usually none): \(SchedulerSettings.names.joined(separator: ", ")).")) var scheduler: String?
    @Option(help: "When the scheduler steps: epoch (default, as in Lightning) or step.") var schedulerInterval: String?
    @Option(help: "Intervals between decays (step).") var stepSize: Int?
    @Option(help: "Decay factor (step, multistep: default 0.1; exponential).") var gamma: Double?
    @Option(help: "Intervals at which to decay, comma-separated (multistep).") var milestones: String?
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

    func apply(to layer: inout RunConfiguration) throws {
        layer.scheduler = scheduler
        layer.schedulerInterval = schedulerInterval
        layer.stepSize = stepSize
        layer.gamma = gamma
        layer.milestones = try milestones.map { try CommaSeparated.integers($0, option: "--milestones", example: "10,20") }
        layer.tMax = tMax
        layer.etaMin = etaMin
        layer.t0 = t0
        layer.tMult = tMult
        layer.maxLr = maxLr
        layer.baseLr = baseLr
        layer.pctStart = pctStart
        layer.totalSteps = totalSteps
        layer.stepSizeUp = stepSizeUp
        layer.startFactor = startFactor
        layer.endFactor = endFactor
        layer.factor = factor
        layer.totalIters = totalIters
        layer.power = power
        layer.patience = patience
        layer.threshold = threshold
        layer.monitor = monitor
        layer.mode = mode
    }
}

struct DataOptions: ParsableArguments {
    @Option(help: "A data file: CSV (header recognised, label last), .npy or IDX (default: the task's built-in data).") var data: String?
    @Option(help: "The CSV label column, by header name or 0-based index (default: the last).") var labelColumn: String?
    @Option(help: "Share of samples held out for validation, fixed by the seed (default 0.1; 0: none).") var valSplit: Double?
    @Flag(inversion: .prefixedNo, help: "Shuffle the training data every epoch (default).") var shuffle: Bool?

    func apply(to layer: inout RunConfiguration) {
        layer.data = data
        layer.labelColumn = labelColumn
        layer.valSplit = valSplit
        layer.shuffle = shuffle
    }
}

/// Comma-separated lists on the command line.
enum CommaSeparated {
    static func integers(_ text: String, option: String, example: String) throws -> [Int] {
        let values = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else {
            throw CommandError("\(option) takes whole numbers separated by commas like \(example), got '\(text)'")
        }
        return values.map { $0! }
    }

    static func numbers(_ text: String, option: String, example: String) throws -> [Double] {
        let values = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else {
            throw CommandError("\(option) takes numbers separated by commas like \(example), got '\(text)'")
        }
        return values.map { $0! }
    }
}
