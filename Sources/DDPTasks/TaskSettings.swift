import ArgumentParser

/// Everything a built-in task is built from: the run's options, group by group in the
/// order of `--help`, and the number of ranks.
///
/// The groups are the command's own option groups, so a new option is declared once, in
/// its group, and read where it is used. Values are made by parsing, as the command does:
/// `try TaskSettings.parse(["--hidden", "32", "--max-epochs", "2"])`.
public struct TaskSettings: ParsableArguments, Sendable {
    @OptionGroup(title: "Trainer") public var trainer: TrainerSettings
    @OptionGroup(title: "Task and model") public var model: ModelSettings
    @OptionGroup(title: "Optimizer") public var optimizer: OptimizerSettings
    @OptionGroup(title: "Learning-rate scheduler") public var scheduler: SchedulerSettings
    @OptionGroup(title: "Data") public var data: DataSettings
    @OptionGroup(title: "GAN and CycleGAN (--task gan, --task cyclegan)") public var adversarial: AdversarialSettings
    @OptionGroup(title: "GPT (--task gpt)") public var gpt: GPTSettings
    /// The number of ranks the task will be trained on (not an option: the launch sets it).
    public var worldSize = 1

    public init() {}

    /// The task's name in the registry (`classifier`, `finetune`, ...).
    public var task: String { model.task }

    /// The number of epochs to train: `--max-epochs`, or `taskDefault` when it is not given.
    public func maxEpochs(taskDefault: Int = TrainerSettings.defaultMaxEpochs) -> Int {
        trainer.maxEpochs ?? taskDefault
    }

    /// How long the run is in epochs and optimizer steps, for schedulers sized to the run.
    public func runLength(
        trainingCount: Int, batchSize: Int, defaultMaxEpochs: Int = TrainerSettings.defaultMaxEpochs
    ) -> SchedulerSettings.RunLength {
        let maxEpochs = maxEpochs(taskDefault: defaultMaxEpochs)
        let perRank = (trainingCount + worldSize - 1) / worldSize
        let batches = (perRank + batchSize - 1) / batchSize
        let accumulate = trainer.accumulateGradBatches
        let stepsPerEpoch = max(1, (batches + accumulate - 1) / accumulate)
        let steps = min(trainer.maxSteps ?? Int.max, stepsPerEpoch * maxEpochs)
        let epochs = min(maxEpochs, (steps + stepsPerEpoch - 1) / stepsPerEpoch)
        return .init(epochs: epochs, optimizerSteps: steps)
    }
}
