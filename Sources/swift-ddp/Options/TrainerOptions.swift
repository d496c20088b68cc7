import ArgumentParser

/// How the trainer runs: Lightning's `Trainer` arguments in kebab case, logging and checkpoints.
///
/// Each option is declared once, here: its name (the property's, in kebab case) is also its
/// key in a configuration file, and its default is the property's initial value. An
/// optional without a default is left out of `--print-config` when not given.
struct TrainerOptions: ParsableArguments {
    @Option(help: "Passes over the training data.") var maxEpochs = 20
    @Option(help: "Stop after this many optimizer steps.") var maxSteps: Int?
    @Option(help: "Samples per rank per batch, as in Lightning (default 32; the lbfgs task: all samples).") var batchSize: Int?
    @Option(help: "Batches whose gradients add up to one optimizer step.") var accumulateGradBatches = 1
    @Option(help: "Clip gradients at this value (0 or absent: no clipping).") var gradientClipVal: Double?
    @Option(help: "norm or value.") var gradientClipAlgorithm = "norm"
    @Option(help: "Validate after this fraction of an epoch, or every N batches when above 1.") var valCheckInterval = 1.0
    @Option(help: "Train on this fraction of each epoch's batches (up to 1.0), or this many batches when above 1 (default: all).")
    var limitTrainBatches: BatchAmount?
    @Option(help: "Validate on this fraction of the validation batches (up to 1.0), or this many batches when above 1 (default: all).")
    var limitValBatches: BatchAmount?
    @Option(help: "Write step metrics every N optimizer steps.") var logEveryNSteps = 10
    @Option(help: "Seeds the initial weights, the validation split and the data order.") var seed: UInt64 = 0
    @Option(help: "Folder for metrics.csv, TensorBoard events, curves.svg and hparams.yaml.") var logDir = "logs"
    @Option(help: "Folder for checkpoints (default LOG-DIR/checkpoints).") var checkpointDir: String?
    @Option(help: "Also write a checkpoint every N optimizer steps.") var checkpointEveryNSteps: Int?
    @Option(help: "Resume training from this checkpoint ('last': LOG-DIR/checkpoints/last.safetensors or CHECKPOINT-DIR's).")
    var resume: String?
    @Flag(inversion: .prefixedNo,
          help: "Resume even when the batch size, seed, data or model settings differ from the checkpoint's (not exact).")
    var forceResume = false
    @Flag(inversion: .prefixedNo, help: "Run as one process without MPI.") var debug = false
    @Option(help: "Check every K steps that all ranks hold identical parameters.") var checkConsistency: Int?

    /// The trainer's options that change what a resumed run computes; the rest (epochs,
    /// steps, batch size, seed, logging, checkpoints) may change on resume, or the trainer
    /// checks them itself.
    static let keysThatChangeTheRun: Set<String> = ["gradient-clip-val", "gradient-clip-algorithm"]
}
