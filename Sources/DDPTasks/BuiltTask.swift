/// A task ready to train: its module, its data, and how to batch them.
public struct BuiltTask {
    public var module: any TrainingModule
    public var data: TaskData
    /// Samples per rank per training batch.
    public var batchSize: Int
    /// Shuffle the training samples every epoch.
    public var shuffle: Bool
    /// Seeds the shuffling.
    public var seed: UInt64
    /// Whether weights from `--init-from` must name every parameter (`false`: a file may
    /// leave out some, such as a new head to fine-tune; shapes must still match).
    public var requiresEveryInitialWeight: Bool
    /// One line about the model, for the start of a run.
    public var summary: String
    /// The epochs to train when `--max-epochs` is not given.
    public var defaultMaxEpochs: Int
    /// Batches per epoch when `--limit-train-batches` is not given (`nil`: all of them).
    public var defaultTrainBatchLimit: Int?
    /// What a checkpoint must carry besides the weights to use the model on its own (the
    /// gpt task's sizes and vocabulary), added to its run configuration.
    public var checkpointMetadata: [String: String] = [:]

    public init(module: any TrainingModule, data: TaskData, batchSize: Int, shuffle: Bool, seed: UInt64,
                requiresEveryInitialWeight: Bool = true, summary: String,
                defaultMaxEpochs: Int = TrainerSettings.defaultMaxEpochs) {
        self.module = module
        self.data = data
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
        self.requiresEveryInitialWeight = requiresEveryInitialWeight
        self.summary = summary
        self.defaultMaxEpochs = defaultMaxEpochs
    }

    /// The training batches, built as for one process (the trainer shards them over the ranks).
    public func trainingLoader() throws -> DataLoader {
        try DataLoader(data.training, batchSize: batchSize, shuffle: shuffle, seed: seed)
    }

    /// The validation batches, or `nil` when there is no validation set.
    public func validationLoader() throws -> DataLoader? {
        try data.validation.map { try DataLoader($0, batchSize: 256, shuffle: false) }
    }

    /// Whether the module has a test step: the classification tasks do (`test_loss`, `test_acc`).
    public var hasTestStep: Bool { module is any ClassificationTask }

    /// Whether the module has a predict step: the classification tasks do (class probabilities).
    public var hasPredictStep: Bool { module is any ClassificationTask }

    /// The batches to predict on, of the training batch size: the data's separate test set
    /// where it has one, else every sample given (before the validation split), in the data's
    /// order; `nil` for a task that builds its data otherwise.
    public func predictionLoader() throws -> DataLoader? {
        let samples: (any Dataset)? = try data.testSet() ?? data.loaded
        return try samples.map { try DataLoader($0, batchSize: batchSize, shuffle: false) }
    }

    /// The batches of the data's separate test set, or `nil` when it has none.
    public func testLoader() throws -> DataLoader? {
        try data.testSet().map { try DataLoader($0, batchSize: 256, shuffle: false) }
    }

    /// Checks the optimizer and scheduler settings by building them once, so that a bad
    /// hyper-parameter is reported before training starts (and before any rank waits for
    /// another). The trainer builds its own when it starts.
    public func checkOptimizers() throws {
        _ = try module.configureOptimizers()
    }

    /// Copies the weights in the safetensors file at `path` into the module.
    public func loadInitialWeights(from path: String) throws {
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile.read(from: path)
        } catch {
            throw TaskError("--init-from: \(error)")
        }
        let weights = file.dictionary
        let own = Set(module.stateDict().map(\.name))
        guard weights.keys.contains(where: own.contains) else {
            let expected = module.stateDict().prefix(4).map(\.name).joined(separator: ", ")
            throw TaskError("--init-from \(path): none of its \(weights.count) tensors is named as a weight of this model (expected names such as \(expected)); export the weights of the same architecture with PyTorch's state_dict names")
        }
        do {
            try module.load(stateDict: weights, strict: requiresEveryInitialWeight)
        } catch {
            throw TaskError("--init-from \(path): \(error); export the weights of the same architecture")
        }
    }
}
