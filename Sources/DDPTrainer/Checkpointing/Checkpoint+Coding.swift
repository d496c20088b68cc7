import DDPNN
import DDPOptim
import DDPTensor
import Foundation

extension Checkpoint {
    /// The prefix of optimizer state tensors: `optimizer_states.<optimizer>.<parameter>.<key>`.
    static let optimizerPrefix = "optimizer_states."

    // MARK: Writing

    /// The checkpoint as a safetensors file.
    public func file() -> SafeTensorsFile {
        var tensors = modelState
        var float64Values: [String: [Double]] = [:]
        for (index, state) in optimizerStates.enumerated() {
            for (name, value) in state.namedTensors.sorted(by: { $0.key < $1.key }) {
                let fullName = "\(Self.optimizerPrefix)\(index).\(name)"
                switch value {
                case .tensor(let tensor):
                    tensors.append((fullName, tensor))
                case .doubles(let values, let shape):
                    tensors.append((fullName, Tensor(values.map { Float($0) }, shape: shape)))
                    float64Values[fullName] = values
                case .number:
                    continue  // in the metadata
                }
            }
        }
        let metadata: [String: String] = [
            "format": json(Self.formatName),
            "format_version": json(Self.formatVersion),
            "epoch": json(progress.epoch),
            "global_step": json(progress.globalStep),
            "batch_index": json(progress.batchIndex),
            "batches_in_epoch": json(progress.batchesInEpoch),
            "counters": json(Counters(progress)),
            "world_size": json(run.worldSize),
            "global_batch_size": json(run.globalBatchSize),
            "seed": json(run.seed.map(String.init)),
            "data_order_seed": json(run.dataOrderSeed.map(String.init)),
            "training_set_size": json(run.trainingSetSize),
            "accumulate_grad_batches": json(run.accumulateGradBatches),
            "optimizer_param_groups": json(optimizerStates.map(\.metadata)),
            "scheduler_states": json(schedulerStates),
            "callback_states": json(callbackStates),
            "rank_random_states": json(rankRandomStates.map { $0.map { String($0, radix: 16) } }),
            "epoch_metric_sums": json(epochMetricSums),
            "callback_metrics": json(callbackMetrics),
            "run_configuration": json(runConfiguration),
            "exact_configuration_keys": json(exactConfigurationKeys),
        ]
        return SafeTensorsFile(tensors: tensors, metadata: metadata, float64Values: float64Values)
    }

    /// Writes the checkpoint atomically (temporary file, flushed, renamed over `path`).
    public func write(to path: String) throws {
        try file().write(to: path)
    }

    // MARK: Reading

    /// Reads the checkpoint at `path`.
    /// - Throws: ``CheckpointError`` for a missing, truncated, corrupted or foreign file.
    public static func read(from path: String) throws -> Checkpoint {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CheckpointError("checkpoint \(path) does not exist: give the path of a checkpoint file")
        }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile.read(from: path) } catch let error as SafeTensorsError {
            throw CheckpointError("checkpoint \(error.path) \(error.reason)")
        }
        return try Checkpoint(file, source: path)
    }

    /// Rebuilds a checkpoint from its file; `source` names it in errors.
    public init(_ file: SafeTensorsFile, source: String) throws {
        let reader = MetadataReader(metadata: file.metadata, source: source)
        guard file.metadata["format"] != nil else {
            throw CheckpointError("\(source) holds tensors but is not a swift-ddp checkpoint (no training state in its metadata): resume from a file written by ModelCheckpoint or saveCheckpoint")
        }
        let format: String = try reader.value("format")
        let version: Int = try reader.value("format_version")
        guard format == Self.formatName, version == Self.formatVersion else {
            throw CheckpointError("\(source) is a '\(format)' version \(version) file, not a \(Self.formatName) version \(Self.formatVersion): use a checkpoint written by this version of swift-ddp")
        }
        let counters: Counters = try reader.value("counters")
        progress = TrainingProgress(
            epoch: try reader.value("epoch"), globalStep: try reader.value("global_step"),
            batchIndex: try reader.value("batch_index"), batchesInEpoch: try reader.value("batches_in_epoch"),
            batchesSeen: counters.batchesSeen, samplesSeen: counters.samplesSeen,
            windowsCompleted: counters.windowsCompleted, optimizerStepCounts: counters.optimizerStepCounts)
        let seed = try reader.seed("seed")
        run = RunShape(
            worldSize: try reader.value("world_size"), globalBatchSize: try reader.value("global_batch_size"),
            seed: seed, dataOrderSeed: try reader.seed("data_order_seed"),
            trainingSetSize: try reader.value("training_set_size"),
            accumulateGradBatches: try reader.value("accumulate_grad_batches"))
        let randomTexts: [[String]] = try reader.value("rank_random_states")
        rankRandomStates = try randomTexts.map { words in
            let values = words.compactMap { UInt64($0, radix: 16) }
            guard values.count == 4, words.count == 4 else { throw reader.damaged("rank_random_states", "is not four hex words per rank") }
            return values
        }
        schedulerStates = try reader.value("scheduler_states")
        callbackStates = try reader.value("callback_states")
        epochMetricSums = try reader.value("epoch_metric_sums")
        callbackMetrics = try reader.value("callback_metrics")
        runConfiguration = try reader.value("run_configuration")
        exactConfigurationKeys = try reader.value("exact_configuration_keys")

        let optimizerMetadata: [OptimizerStateDict.Metadata] = try reader.value("optimizer_param_groups")
        var optimizerTensors = Array(repeating: [String: StateValue](), count: optimizerMetadata.count)
        var model: [(name: String, tensor: Tensor)] = []
        for (name, tensor) in file.tensors {
            guard name.hasPrefix(Self.optimizerPrefix) else {
                model.append((name, tensor))
                continue
            }
            let rest = name.dropFirst(Self.optimizerPrefix.count)
            guard let dot = rest.firstIndex(of: "."), let index = Int(rest[..<dot]), optimizerTensors.indices.contains(index) else {
                throw CheckpointError("\(source) has optimizer state '\(name)' for no saved optimizer: the file is corrupted")
            }
            let key = String(rest[rest.index(after: dot)...])
            optimizerTensors[index][key] = file.float64Values[name].map { .doubles($0, shape: tensor.shape) } ?? .tensor(tensor)
        }
        modelState = model
        optimizerStates = try zip(optimizerMetadata, optimizerTensors).map { metadata, tensors in
            do { return try OptimizerStateDict(metadata: metadata, namedTensors: tensors) } catch {
                throw CheckpointError("\(source): \(error)")
            }
        }
    }
}

/// The counters without their own metadata key.
private struct Counters: Codable {
    var batchesSeen: Int
    var samplesSeen: Int
    var windowsCompleted: Int
    var optimizerStepCounts: [Int]

    enum CodingKeys: String, CodingKey {
        case batchesSeen = "batches_seen", samplesSeen = "samples_seen"
        case windowsCompleted = "windows_completed", optimizerStepCounts = "optimizer_step_counts"
    }

    init(_ progress: TrainingProgress) {
        batchesSeen = progress.batchesSeen
        samplesSeen = progress.samplesSeen
        windowsCompleted = progress.windowsCompleted
        optimizerStepCounts = progress.optimizerStepCounts
    }
}

/// Decodes the JSON values of `__metadata__`, naming the file and key in errors.
private struct MetadataReader {
    let metadata: [String: String]
    let source: String

    func value<T: Decodable>(_ key: String) throws -> T {
        guard let text = metadata[key] else {
            throw CheckpointError("\(source) has no '\(key)' in its metadata: the checkpoint is incomplete or corrupted")
        }
        do { return try checkpointDecoder.decode(T.self, from: Data(text.utf8)) } catch {
            throw damaged(key, "cannot be read")
        }
    }

    /// A seed, saved as decimal text (JSON numbers cannot hold every UInt64), or `nil`.
    func seed(_ key: String) throws -> UInt64? {
        let text: String? = try value(key)
        return try text.map { text in
            guard let seed = UInt64(text) else { throw damaged(key, "is not a seed") }
            return seed
        }
    }

    func damaged(_ key: String, _ problem: String) -> CheckpointError {
        CheckpointError("\(source) metadata '\(key)' \(problem): the checkpoint is corrupted")
    }
}

// NaN and infinite metrics and best scores are legitimate; plain JSON cannot hold them.
let checkpointEncoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
}()

let checkpointDecoder: JSONDecoder = {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return decoder
}()

/// `value` as JSON text.
private func json<T: Encodable>(_ value: T) -> String {
    // Encoding plain values, arrays and string-keyed maps of them cannot fail.
    String(decoding: try! checkpointEncoder.encode(value), as: UTF8.self)
}
