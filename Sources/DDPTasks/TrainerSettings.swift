import ArgumentParser
import SwiftDDP

/// How the trainer runs: Lightning's `Trainer` arguments in kebab case, logging and checkpoints.
///
/// Each option is declared once, here: its name (the property's, in kebab case) is also its
/// key in a configuration file, and its default is the property's initial value. An
/// optional without a default is left out of `--print-config` when not given.
public struct TrainerSettings: ParsableArguments, Sendable {
    @Option(help: "Passes over the training data (default: the task's, 20; the classifier on Fashion-MNIST: \(ClassifierDefaults.fashionMNIST.maxEpochs)).")
    public var maxEpochs: Int?
    @Option(help: "Stop after this many optimizer steps.") public var maxSteps: Int?
    @Option(help: "Samples per rank per batch, as in Lightning (default 32; gpt: \(GPTSettings.defaultBatchSize); the lbfgs task: all samples).") public var batchSize: Int?
    @Option(help: "Batches whose gradients add up to one optimizer step.") public var accumulateGradBatches = 1
    @Option(help: "Clip gradients at this value (0 or absent: no clipping).") public var gradientClipVal: Double?
    @Option(help: "norm or value.") public var gradientClipAlgorithm = "norm"
    @Option(help: "Validate after this fraction of an epoch, or every N batches when above 1.") public var valCheckInterval = 1.0
    @Option(help: "Train on this fraction of each epoch's batches (up to 1.0), or this many batches when above 1 (default: all; gpt: \(GPTSettings.defaultBatchesPerEpoch)).")
    public var limitTrainBatches: BatchAmount?
    @Option(help: "Validate on this fraction of the validation batches (up to 1.0), or this many batches when above 1 (default: all).")
    public var limitValBatches: BatchAmount?
    @Option(help: "Test on this fraction of the test batches (up to 1.0), or this many batches when above 1 (default: all).")
    public var limitTestBatches: BatchAmount?
    @Option(help: "Train, validate and test on N batches (1 when given bare) for one epoch, with no sanity check, logs, checkpoints or early stopping: a quick check that the run works.")
    public var fastDevRun: Int?
    @Option(help: "Train and validate on this fraction (up to 1.0) or number of batches, the same ones every epoch, unshuffled: a check that the model can fit a little data.")
    public var overfitBatches: BatchAmount?
    @Option(help: "Validation batches run before training, to catch a broken validation step early; their metrics are not kept (-1: all; 0: none).")
    public var numSanityValSteps = 2
    @Option(help: "Train at least this many epochs: early stopping and the time limit wait for them.") public var minEpochs: Int?
    @Option(help: "Train at least this many optimizer steps: early stopping and the time limit wait for them.") public var minSteps: Int?
    @Option(help: "Stop training after this long (or at --max-epochs, whichever comes first), as DD:HH:MM:SS (Lightning's form) or seconds, saving a checkpoint to resume from.")
    public var maxTime: String?
    @Option(help: "Write step metrics every N optimizer steps.") public var logEveryNSteps = 10
    @Option(help: "Seeds the initial weights, the validation split and the data order.") public var seed: UInt64 = 0
    @Option(help: "Folder for metrics.csv, TensorBoard events, curves.svg and hparams.yaml.") public var logDir = "logs"
    @Option(help: "Folder for checkpoints (default LOG-DIR/checkpoints).") public var checkpointDir: String?
    @Option(help: "Also write a checkpoint every N optimizer steps.") public var checkpointEveryNSteps: Int?
    @Option(help: "Resume training from this checkpoint ('last': LOG-DIR/checkpoints/last.safetensors or CHECKPOINT-DIR's).")
    public var resume: String?
    @Flag(inversion: .prefixedNo,
          help: "Resume even when the batch size, seed, data or model settings differ from the checkpoint's (not exact).")
    public var forceResume = false
    @Flag(inversion: .prefixedNo, help: "Run as one process without MPI.") public var debug = false
    @Option(help: "Check every K steps that all ranks hold identical parameters and buffers.") public var checkConsistency: Int?
    @Flag(inversion: .prefixedNo,
          help: "BatchNorm statistics over every rank's batch together (SyncBatchNorm), not each rank's own batch.")
    public var syncBatchnorm = false
    @Option(help: "How gradients travel between ranks: none (32-bit floats) or bf16 (bfloat16 messages, half the bytes, summed in 32-bit floats; for slow links between machines).")
    public var gradientCompression: GradientCompression = .none
    @Option(help: "ddp (every rank holds the whole optimizer state) or zero1 (each rank holds and updates the optimizer state of its share of the parameters; the same weights, less memory).")
    public var strategy: Strategy = .ddp
    @Option(help: "At a NaN or infinite loss or gradient norm: error (stop, naming the step), skip (skip that step on every rank) or continue (step anyway).")
    public var nanPolicy = "error"
    @Option(help: "Seconds without progress after which every waiting rank ends the job, naming the ranks that did not arrive (0: wait forever).")
    public var collectiveTimeout = 300.0
    @Option(help: "Stop when val_loss has not improved for this many validations in a row (EarlyStopping; default: never).")
    public var earlyStoppingPatience: Int?
    @Option(help: "The smallest fall of val_loss that counts as an improvement (with --early-stopping-patience; default 0).")
    public var earlyStoppingMinDelta: Double?
    @Flag(inversion: .prefixedNo, help: "Log each optimizer's learning rate at every step (LearningRateMonitor: lr-SGD, lr-Adam/pg1, ...).")
    public var logLr = false
    @Flag(inversion: .prefixedNo, help: "Log the total 2-norm of the gradients, averaged over ranks and before clipping, at every step (grad_2.0_norm_total).")
    public var logGradNorm = false
    @Flag(inversion: .prefixedNo, help: "Print a table of the model's layers and parameter counts at the start of training (ModelSummary, on by default as Lightning's enable_model_summary).")
    public var modelSummary = true

    public init() {}

    /// The number of epochs of a task that states none.
    public static let defaultMaxEpochs = 20

    /// The trainer's options that change what a resumed run computes; the rest (epochs,
    /// steps, batch size, seed, logging, checkpoints) may change on resume, or the trainer
    /// checks them itself.
    public static let keysThatChangeTheRun: Set<String> = ["gradient-clip-val", "gradient-clip-algorithm", "sync-batchnorm"]
}

extension TrainerSettings {
    /// `max-time` as a duration: Lightning's `DD:HH:MM:SS`, or a number of seconds.
    /// - Throws: ``TaskError`` naming the option for another form or a negative number.
    public func maxTimeLimit() throws -> Duration? {
        guard let text = maxTime else { return nil }
        if let seconds = Double(text) {
            guard seconds >= 0 && seconds.isFinite else {
                throw TaskError("--max-time takes DD:HH:MM:SS or a number of seconds >= 0, got '\(text)'")
            }
            return .seconds(seconds)
        }
        do {
            return try DDPTrainer.Timer.duration(parsing: text)
        } catch {
            throw TaskError("--max-time takes DD:HH:MM:SS (as 00:12:00:00) or a number of seconds, got '\(text)'")
        }
    }

    /// Whether `overfit-batches` was given and is not 0.
    public var overfits: Bool {
        guard let amount = overfitBatches?.limit else { return false }
        return amount != .fraction(0) && amount != .count(0)
    }

    /// Refuses the trainer's clipping and accumulation for a module that optimizes manually
    /// (it clips and accumulates in its own training step), as Lightning does.
    func refuseAutomaticOptimizationOptions(task: String) throws {
        if let value = gradientClipVal, value > 0 {
            throw TaskError("--gradient-clip-val \(value) does not apply to the \(task) task's manual optimization: "
                + "remove it, or use --optimization automatic where the task has it")
        }
        if accumulateGradBatches != 1 {
            throw TaskError("--accumulate-grad-batches \(accumulateGradBatches) does not apply to the \(task) task's manual "
                + "optimization: remove it, or use --optimization automatic where the task has it")
        }
    }
}

extension GradientCompression: ExpressibleByArgument, OptionValue {
    public static var expectation: String { "none or bf16" }
    public var argumentText: String { rawValue }
}
extension Strategy: ExpressibleByArgument, OptionValue {
    public static var expectation: String { "ddp or zero1" }
    public var argumentText: String { rawValue }
}
