import DDPNN
import DDPOptim
import DDPTensor
import Foundation

/// Everything needed to continue a run exactly, as one safetensors file.
///
/// Tensors: the module's parameters and buffers under their PyTorch `state_dict` names, and
/// each optimizer's tensor state as `optimizer_states.<optimizer>.<parameter>.<key>` (the
/// parameter numbered through the optimizer's groups, as PyTorch's `state_dict` does; LBFGS's
/// Float64 history as `F64`). The `__metadata__` strings hold one JSON value each:
///
/// | key | value |
/// |---|---|
/// | `format`, `format_version` | `"swift-ddp checkpoint"`, `1` |
/// | `epoch`, `global_step` | the epoch being trained (0-based), optimizer steps so far |
/// | `batch_index`, `batches_in_epoch` | batches of `epoch` already trained, batches per epoch |
/// | `counters` | batches and samples seen, accumulation windows, each optimizer's step count |
/// | `world_size`, `global_batch_size`, `seed`, `data_order_seed`, `training_set_size`, `accumulate_grad_batches` | the run's shape |
/// | `optimizer_param_groups` | per optimizer: type, group options and parameter indices, scalar state |
/// | `scheduler_states` | each scheduler's state dict, in configuration order |
/// | `callback_states` | each callback's state by its `stateKey` |
/// | `rank_random_states` | every rank's per-rank random stream (four hex words each) |
/// | `epoch_metric_sums`, `callback_metrics` | the running epoch means of every rank, the latest metrics |
/// | `run_configuration`, `exact_configuration_keys` | the caller's description of the run, and which keys resuming must match |
///
/// Read it with Python's `safetensors` (`safe_open(path, "np").metadata()`), or with
/// ``read(from:)``.
public struct Checkpoint {
    /// The value of the `format` key.
    public static let formatName = "swift-ddp checkpoint"
    /// The layout written by this version.
    public static let formatVersion = 1

    /// Where training stands.
    public var progress: TrainingProgress
    /// What the run was, for the exactness check on resume.
    public var run: RunShape
    /// The module's parameters and buffers under their PyTorch names.
    public var modelState: [(name: String, tensor: Tensor)]
    public var optimizerStates: [OptimizerStateDict]
    public var schedulerStates: [SchedulerStateDict]
    /// Each callback's state by its `stateKey`.
    public var callbackStates: [String: [String: Double]]
    /// Every rank's per-rank random stream (``Trainer/randomStream``), by rank.
    public var rankRandomStates: [[UInt64]]
    /// Every rank's running training-epoch sums, by rank.
    var epochMetricSums: [[EpochMetricSum]]
    /// The latest value of each metric, as callbacks and schedulers see them.
    public var callbackMetrics: [String: Double]
    /// The caller's description of the run (model, options), shown by `inspect`.
    public var runConfiguration: [String: String]
    /// The keys of ``runConfiguration`` that must be equal to resume exactly.
    public var exactConfigurationKeys: [String]

    /// The module's weights alone: what `swift-ddp export` writes.
    public var weightsFile: SafeTensorsFile { SafeTensorsFile(tensors: modelState) }

    /// Copies the saved parameters and buffers into `module` (to validate or predict with a
    /// checkpoint); nothing is copied unless every name and shape fits.
    /// - Parameter source: names the checkpoint in errors.
    /// - Throws: ``CheckpointError`` listing the missing, unexpected and mis-shaped names.
    public func loadModelState(into module: Module, source: String = "the checkpoint") throws {
        do {
            try module.load(stateDict: Dictionary(modelState.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first }))
        } catch let error as StateDictError {
            throw CheckpointError("\(source) was saved from another model (\(error.mismatchSummary)): use the model that wrote it")
        }
    }
}

/// Where a run stands, in the counters the trainer keeps.
public struct TrainingProgress: Codable, Equatable {
    /// The epoch being trained (0-based).
    public var epoch: Int
    /// Optimizer steps so far.
    public var globalStep: Int
    /// Batches of ``epoch`` already trained (0 at an epoch start).
    public var batchIndex: Int
    /// Batches per epoch on each rank (the same as global batches per epoch).
    public var batchesInEpoch: Int
    public var batchesSeen: Int
    public var samplesSeen: Int
    /// Gradient-accumulation windows completed (a progress counter).
    public var windowsCompleted: Int
    /// How many times each optimizer has stepped.
    public var optimizerStepCounts: [Int]
}

/// What makes two runs read the same data in the same order.
public struct RunShape: Codable, Equatable {
    public var worldSize: Int
    /// Samples per step over all ranks.
    public var globalBatchSize: Int
    /// The trainer's seed (`nil`: none).
    public var seed: UInt64?
    /// The seed of the training loader's shuffle (`nil`: not shuffled).
    public var dataOrderSeed: UInt64?
    public var trainingSetSize: Int
    public var accumulateGradBatches: Int
}

/// One metric's running epoch value on one rank (a weighted sum for `mean`, else the
/// reduced value; see ``ReduceFx``).
struct EpochMetricSum: Codable, Equatable {
    var name: String
    var weightedSum: Double
    var weight: Double
    var syncDist: Bool
    var progressBar: Bool
    var reduceFx: ReduceFx = .mean

    enum CodingKeys: String, CodingKey {
        case name, weightedSum = "weighted_sum", weight, syncDist = "sync_dist", progressBar = "progress_bar"
        case reduceFx = "reduce_fx"
    }
}

extension EpochMetricSum {
    /// Checkpoints written before `reduceFx` existed hold means.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        weightedSum = try container.decode(Double.self, forKey: .weightedSum)
        weight = try container.decode(Double.self, forKey: .weight)
        syncDist = try container.decode(Bool.self, forKey: .syncDist)
        progressBar = try container.decode(Bool.self, forKey: .progressBar)
        reduceFx = try container.decodeIfPresent(ReduceFx.self, forKey: .reduceFx) ?? .mean
    }
}

/// Why a checkpoint cannot be read or used: one line saying what and what to do.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
