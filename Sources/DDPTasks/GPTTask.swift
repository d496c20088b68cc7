#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A character-level GPT language model trained on next-token cross-entropy, with AdamW
/// (weight decay on matrices only) and a linear warm-up into a cosine decay, stepped every
/// optimizer step.
///
/// The module's weights are the ``GPT``'s, under nanoGPT's names (`transformer.wte.weight`,
/// ..., `lm_head.weight`).
///
/// Logged names:
/// - `train_loss`: the cross-entropy of the global batch in nats per character, each step.
/// - `val_loss`: the same on the held-out windows, averaged over ranks.
/// - `val_bpc`: `val_loss / ln 2`, bits per character.
public final class GPTTask: Module, StepLossLogging {
    public let model: GPT
    let optimizerSettings: OptimizerSettings
    let schedulerSettings: SchedulerSettings
    let schedule: WarmupCosineSchedule
    /// Epochs of the run, for a `--scheduler` counted in epochs.
    let epochs: Int

    public override var namedChildren: [(String, Module)] { model.namedChildren }

    init(model: GPT, optimizer: OptimizerSettings, scheduler: SchedulerSettings, schedule: WarmupCosineSchedule, epochs: Int) {
        self.model = model
        self.epochs = epochs
        optimizerSettings = optimizer
        schedulerSettings = scheduler
        self.schedule = schedule
    }

    /// The mean next-character cross-entropy of a batch of ``TextWindows``.
    public func loss(_ batch: Batch) -> Tensor {
        let (rows, time) = (batch.inputs.shape[0], batch.inputs.shape[1])
        return model.loss(batch.inputs.scalars.map { Int($0) }, targets: batch.labels, batch: rows, time: time)
    }

    /// The mean bits per character of the model's predictions over every window of
    /// `windows` (in evaluation mode, without gradients).
    public func bitsPerCharacter(on windows: any Dataset) -> Double {
        let wasTraining = isTraining
        eval()
        defer { train(wasTraining) }
        var total = 0.0
        for start in stride(from: 0, to: windows.count, by: 64) {
            let batch = windows.batch(at: Array(start..<min(start + 64, windows.count)))
            total += Double(noGrad { loss(batch) }.item) * Double(batch.count)
        }
        return total / Double(max(windows.count, 1)) / M_LN2
    }

    public func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? { loss(batch) }

    public func validationStep(_ batch: Batch, batchIndex: Int) throws {
        let value = Double(loss(batch).item)
        log("val_loss", value, progressBar: true)
        log("val_bpc", value / M_LN2, progressBar: true)
    }

    public func configureOptimizers() throws -> OptimizerConfiguration {
        let groups = model.weightDecayGroups
        let optimizer = try optimizerSettings.makeOptimizer([
            ParamGroup(groups.decayed), ParamGroup(groups.undecayed, options: ["weight_decay": .number(0)]),
        ])
        if schedulerSettings.name != nil {
            return try schedulerSettings.configuration(for: optimizer, run: .init(epochs: epochs, optimizerSteps: schedule.totalSteps))
        }
        return OptimizerConfiguration(optimizer, scheduler: SchedulerConfiguration(try schedule.scheduler(for: optimizer), interval: .step))
    }
}

extension TaskDescriptor {
    /// `gpt`: a character-level ``GPT`` on the fortunes (Debian's `fortunes`) or a `--data`
    /// text file, AdamW (lr 1e-3, betas 0.9, 0.99, weight decay 0.1 on matrices) with a
    /// warm-up into a cosine decay per step.
    public static let gpt = TaskDescriptor(
        name: "gpt",
        summary: "character-level GPT language model on the fortunes text (Debian's fortunes) or a --data FILE.txt"
    ) { settings, generator in
        let given = settings.gpt
        try settings.rejectModel()
        if let hidden = settings.model.hidden { throw TaskError("--hidden \(hidden.elements.map(String.init).joined(separator: ",")) does not apply to the gpt task: size it with --n-layer, --n-head and --n-embd") }
        if let classes = settings.model.classes { throw TaskError("--classes \(classes) does not apply to the gpt task, whose classes are the text's characters") }
        if let column = settings.data.labelColumn { throw TaskError("--label-column '\(column)' does not apply to the gpt task, which reads text") }
        try TaskError.require((0..<1).contains(settings.data.valSplit),
            "--val-split must be a fraction in [0, 1) (0: no validation), got \(settings.data.valSplit)")
        let dropout = given.dropout ?? 0
        try TaskError.require((0..<1).contains(dropout), "--dropout must be in [0, 1), got \(dropout)")
        var configuration = GPTConfiguration(
            vocabularySize: 1, blockSize: given.blockSize ?? GPTSettings.defaultBlockSize,
            layerCount: given.nLayer ?? GPTSettings.defaultLayerCount, headCount: given.nHead ?? GPTSettings.defaultHeadCount,
            embeddingSize: given.nEmbd ?? GPTSettings.defaultEmbeddingSize, dropout: Float(dropout))
        // The sizes are checked before the text is read, so a mistake there is found at once.
        if let problem = configuration.problem { throw TaskError(problem) }

        let corpus = try readCorpus(settings.data)
        let (trainingTokens, validationTokens) = corpus.split(validationFraction: settings.data.valSplit)
        let block = configuration.blockSize
        guard trainingTokens.count > block else {
            throw TaskError("\(corpus.source) is too short for --block-size \(block): its \(trainingTokens.count) training characters "
                + "(after holding out --val-split \(settings.data.valSplit)) hold no window of \(block) characters and the one after; "
                + "use a longer text or a smaller --block-size")
        }
        if settings.data.valSplit > 0 && validationTokens.count <= block {
            throw TaskError("\(corpus.source) is too short for --block-size \(block): its held-out \(validationTokens.count) characters "
                + "(--val-split \(settings.data.valSplit)) hold no window of \(block) characters and the one after; "
                + "use a longer text, a larger --val-split, --val-split 0 or a smaller --block-size")
        }
        configuration.vocabularySize = corpus.vocabulary.count
        let model = GPT(configuration, using: &generator)

        let batchSize = settings.trainer.batchSize ?? GPTSettings.defaultBatchSize
        let training = TextWindows(everyWindowOf: trainingTokens, blockSize: block)
        let validation = settings.data.valSplit > 0
            ? TextWindows(spreadOver: validationTokens, blockSize: block, limit: GPTSettings.validationWindowLimit) : nil
        let optimizer = settings.optimizer.overTaskDefault("adamw") {
            $0.lr = $0.lr ?? 1e-3
            $0.betas = $0.betas ?? CommaSeparated.reading(like: "0.9,0.99")("0.9,0.99")
            $0.weightDecay = $0.weightDecay ?? 0.1
        }
        let batchesPerEpoch = settings.trainBatchesPerEpoch(datasetCount: training.count, batchSize: batchSize,
                                                            default: GPTSettings.defaultBatchesPerEpoch)
        let totalSteps = min(settings.trainer.maxSteps ?? Int.max, settings.maxEpochs() * batchesPerEpoch)
        let warmup = given.warmupSteps ?? min(100, totalSteps / 10)
        try TaskError.require(warmup >= 0, "--warmup-steps must be at least 0, got \(warmup)")
        let schedule = WarmupCosineSchedule(warmupSteps: min(warmup, totalSteps), totalSteps: totalSteps,
                                            learningRate: optimizer.learningRate)
        let module = GPTTask(model: model, optimizer: optimizer, scheduler: settings.scheduler, schedule: schedule,
                             epochs: settings.maxEpochs())
        let data = TaskData(training: training, validation: validation, sampleShape: [block],
                            classCount: corpus.vocabulary.count, source: corpus.source)
        var built = BuiltTask(module: module, data: data, batchSize: batchSize, shuffle: settings.data.shuffle,
                              seed: settings.trainer.seed,
                              summary: "GPT \(configuration.layerCount) layers x \(configuration.headCount) heads x "
                                + "\(configuration.embeddingSize) wide, context \(block), \(module.parameterCount) parameters, "
                                + "\(corpus.vocabulary.count) characters")
        built.defaultTrainBatchLimit = GPTSettings.defaultBatchesPerEpoch
        built.checkpointMetadata = [GPTCheckpointModel.metadataKey: try GPTCheckpointModel(configuration: configuration, vocabulary: corpus.vocabulary).json()]
        return built
    }

    /// The text `--data` names, or the fortunes.
    private static func readCorpus(_ data: DataSettings) throws -> TextCorpus {
        guard let path = data.path else { return try TextCorpus.fortunes() }
        if path.isEmpty { throw TaskError("--data needs a text file path (or leave it out for the fortunes)") }
        if path == Fortunes.package { return try TextCorpus.fortunes() }
        if let named = NamedDataSet(rawValue: path) {
            throw TaskError("--data \(path) is \(named.description), not text: the gpt task reads a UTF-8 text file (or the fortunes, by default)")
        }
        return try TextCorpus.read(path: path)
    }
}

extension TaskSettings {
    /// Batches per epoch on each rank: `--limit-train-batches`, else `fallback` (at most all
    /// of them).
    func trainBatchesPerEpoch(datasetCount: Int, batchSize: Int, default fallback: Int) -> Int {
        let perRank = (datasetCount + worldSize - 1) / worldSize
        let all = max(1, (perRank + batchSize - 1) / batchSize)
        switch trainer.limitTrainBatches?.limit {
        case .count(let count)?: return min(all, count)
        case .fraction(let fraction)?: return max(1, Int(Double(all) * fraction))
        case .all?: return all
        case nil: return min(all, fallback)
        }
    }
}
