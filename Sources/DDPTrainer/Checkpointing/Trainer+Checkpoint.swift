import DDPDistributed
import DDPNN
import DDPOptim
import DDPTensor
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Trainer {
    // MARK: Saving

    /// Saves the training state at the last completed batch to `path` (as Lightning's
    /// `trainer.save_checkpoint`): rank 0 writes a temporary file beside `path`, flushes it and
    /// renames it into place; every rank returns once the file is in place.
    ///
    /// A collective, for inside `fit` (a callback or hook): every rank calls it. A resume
    /// continues with the batch after the last one trained. Call it at an optimizer step
    /// boundary (`onTrainBatchEnd` after a step): gradients of an unfinished accumulation
    /// window are not saved. ``ModelCheckpoint`` saves at the points where a resume is exact.
    /// - Throws: ``TrainerError`` outside `fit`; the write's error (on rank 0; other ranks
    ///   throw that rank 0 failed).
    public func saveCheckpoint(to path: String) throws {
        try writeCheckpoint { try $0.write(to: path) }
    }

    /// Gathers every rank's part of the state; rank 0 hands the checkpoint to `write`; then
    /// every rank learns whether it worked (which also makes the others wait for the file).
    func writeCheckpoint(_ write: (Checkpoint) throws -> Void) throws {
        guard let module else {
            throw TrainerError("saveCheckpoint saves a run in progress: call it inside fit (from a callback or a hook)")
        }
        let checkpoint = try captureCheckpoint(module)
        var failure: Error?
        if isGlobalZero {
            // Checked before writing: a diverged model never replaces the last good checkpoint.
            if let name = checkpoint.firstNonFiniteTensorName {
                failure = NonFiniteWeightsError(step: globalStep, tensorName: name)
            } else {
                do { try write(checkpoint) } catch { failure = error }
            }
        }
        if worldSize > 1 {
            // 0: written; 1: the write failed; 2: refused for non-finite weights.
            var flag = [failure == nil ? 0.0 : failure is NonFiniteWeightsError ? 2.0 : 1.0]
            flag.withUnsafeMutableBufferPointer { communicator.allReduce($0, .max) }
            if failure == nil && flag[0] == 2 { throw NonFiniteWeightsError(step: globalStep, tensorName: nil) }
            if failure == nil && flag[0] > 0 {
                throw TrainerError("rank 0 could not write a checkpoint (its message says why)")
            }
        }
        if let failure { throw failure }
    }

    /// The state at ``resumePoint``, with every rank's random stream and epoch sums
    /// (collectives: all ranks call it).
    func captureCheckpoint(_ module: any TrainingModule) throws -> Checkpoint {
        guard let runShape else { throw TrainerError("a checkpoint can only be taken while fit trains") }
        var randomBytes: [UInt8] = []
        for word in randomStream.generator.stateWords { withUnsafeBytes(of: word.littleEndian) { randomBytes += $0 } }
        let sumsBytes = Array(try checkpointEncoder.encode(metrics.trainingEpochSums))
        let gatheredRandom = worldSize > 1 ? communicator.allGather(randomBytes) : [randomBytes]
        let gatheredSums = worldSize > 1 ? communicator.allGather(sumsBytes) : [sumsBytes]
        let rankRandomStates = gatheredRandom.map { bytes in
            (0..<4).map { word in
                (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[word * 8 + $1]) << (8 * UInt64($1)) }
            }
        }
        let epochSums = try gatheredSums.map { try checkpointDecoder.decode([EpochMetricSum].self, from: Data($0)) }
        var callbackStates: [String: [String: Double]] = [:]
        for (key, callback) in zip(callbackStateKeys, callbacks) {
            let state = callback.stateDict()
            if !state.isEmpty { callbackStates[key] = state }
        }
        return Checkpoint(
            progress: TrainingProgress(
                epoch: resumePoint.epoch, globalStep: globalStep, batchIndex: resumePoint.batchIndex,
                batchesInEpoch: numTrainingBatches, batchesSeen: batchesSeen, samplesSeen: samplesSeen,
                windowsCompleted: automaticOptimization.windowsCompleted, optimizerStepCounts: optimizers.map(\.stepCount)),
            run: runShape,
            modelState: module.stateDict(),
            optimizerStates: try optimizers.map { try $0.shard?.gatheredStateDict() ?? $0.optimizer.stateDict() },
            schedulerStates: resolvedSchedulers.map { $0.scheduler.stateDict() },
            callbackStates: callbackStates,
            rankRandomStates: rankRandomStates,
            epochMetricSums: epochSums,
            callbackMetrics: metrics.callbackMetrics,
            runConfiguration: runConfiguration,
            exactConfigurationKeys: exactConfigurationKeys.sorted())
    }

    /// Each callback's key in `callback_states`: its `stateKey`, numbered when several share one.
    var callbackStateKeys: [String] {
        var seen: [String: Int] = [:]
        return callbacks.map { callback in
            let key = callback.stateKey
            let count = seen[key, default: 0]
            seen[key] = count + 1
            return count == 0 ? key : "\(key)#\(count)"
        }
    }

    // MARK: Resuming

    /// The file `checkpointPath` names: `"last"` is the `last.safetensors` of the first
    /// ``ModelCheckpoint`` callback.
    func resolveCheckpointPath(_ checkpointPath: String) throws -> String {
        guard checkpointPath == "last" else {
            guard FileManager.default.fileExists(atPath: checkpointPath) else {
                throw CheckpointError("checkpoint \(checkpointPath) does not exist: give the path of a checkpoint file, or \"last\"")
            }
            return checkpointPath
        }
        guard let checkpointing = callbacks.lazy.compactMap({ $0 as? ModelCheckpoint }).first else {
            throw CheckpointError("resuming from \"last\" needs a ModelCheckpoint callback to know the folder: add one, or give the checkpoint's path")
        }
        guard FileManager.default.fileExists(atPath: checkpointing.lastPath) else {
            throw CheckpointError("there is no last checkpoint to resume from (\(checkpointing.lastPath) does not exist): start without resuming, or give a checkpoint's path")
        }
        return checkpointing.lastPath
    }

    /// Continues the run saved in `checkpoint` (read from `source`): module, optimizers,
    /// schedulers, callbacks, counters, random streams and epoch sums. Called by `fit` after
    /// set-up, on every rank. Returns the batch of the current epoch to start at.
    func restore(_ checkpoint: Checkpoint, source: String, module: any TrainingModule, force: Bool) throws -> Int {
        try checkpoint.loadModelState(into: module, source: source)
        guard let runShape else { throw TrainerError("restore runs inside fit") }
        let differences = ResumeCompatibility.differences(
            saved: checkpoint, current: runShape, batchesInEpoch: numTrainingBatches,
            runConfiguration: runConfiguration, exactKeys: exactConfigurationKeys)
        if !differences.isEmpty {
            let list = differences.joined(separator: "; ")
            guard force else {
                throw CheckpointError("\(source) belongs to a different run (\(list)), so resuming would not continue it exactly: use the same settings, or force the resume (forceResume: true; swift-ddp fit --force-resume)")
            }
            note("resuming from \(source) although \(list): the run will not be the one that was interrupted")
        }
        // Callbacks first: one that cannot resume this checkpoint (stochastic weight averaging
        // that had started, and swapped the scheduler) says so before the schedulers are compared.
        try loadCallbackStates(from: checkpoint, source: source)
        try CheckpointError.require(checkpoint.optimizerStates.count == optimizers.count,
            "\(source) holds \(checkpoint.optimizerStates.count) optimizer state(s) but configureOptimizers() returned \(optimizers.count): resume with the configuration that wrote it")
        try CheckpointError.require(checkpoint.schedulerStates.count == resolvedSchedulers.count,
            "\(source) holds \(checkpoint.schedulerStates.count) scheduler state(s) but configureOptimizers() returned \(resolvedSchedulers.count): resume with the configuration that wrote it")
        try CheckpointError.require(checkpoint.progress.optimizerStepCounts.count == optimizers.count,
            "\(source) has step counts for \(checkpoint.progress.optimizerStepCounts.count) optimizers, not \(optimizers.count): the checkpoint is corrupted")
        do {
            // Under zero1 each rank reads the whole state and keeps its share.
            for (optimizer, state) in zip(optimizers, checkpoint.optimizerStates) {
                if let shard = optimizer.shard { try shard.load(stateDict: state) } else { try optimizer.optimizer.load(stateDict: state) }
            }
            for (entry, state) in zip(resolvedSchedulers, checkpoint.schedulerStates) { try entry.scheduler.load(stateDict: state) }
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError("\(source) does not fit this run: \(error)")
        }

        let progress = checkpoint.progress
        currentEpoch = progress.epoch
        globalStep = progress.globalStep
        batchesSeen = progress.batchesSeen
        samplesSeen = progress.samplesSeen
        automaticOptimization.windowsCompleted = progress.windowsCompleted
        for (optimizer, count) in zip(optimizers, progress.optimizerStepCounts) { optimizer.stepCount = count }
        metrics.restoreCallbackMetrics(checkpoint.callbackMetrics)
        skippedSteps = Int(checkpoint.callbackMetrics[Self.skippedStepsMetric] ?? 0)

        let savedRanks = checkpoint.rankRandomStates.count
        if savedRanks == worldSize {
            metrics.restoreTrainingEpochSums(checkpoint.epochMetricSums[rank])
        } else {
            // Synced epoch means only need the sums over all ranks: rank 0 carries them.
            metrics.restoreTrainingEpochSums(Self.merged(checkpoint.epochMetricSums, keepWeights: rank == 0))
            note("resuming a \(savedRanks)-rank checkpoint on \(worldSize) ranks: the same global batches continue from sample \(progress.batchIndex * runShape.globalBatchSize) of epoch \(progress.epoch)"
                 + (worldSize > savedRanks ? "; the per-rank random stream of " + (worldSize - savedRanks == 1 ? "rank \(savedRanks)" : "ranks \(savedRanks)-\(worldSize - 1)") + " starts afresh from the seed" : ""))
        }
        if rank < savedRanks { randomStream.generator = RandomGenerator(stateWords: checkpoint.rankRandomStates[rank]) }
        return min(progress.batchIndex, numTrainingBatches)
    }

    /// Every rank's sums added together, or the same names with nothing in them.
    static func merged(_ perRank: [[EpochMetricSum]], keepWeights: Bool) -> [EpochMetricSum] {
        var result: [EpochMetricSum] = []
        for entry in perRank.joined() {
            let added = keepWeights ? entry : EpochMetricSum(name: entry.name, weightedSum: entry.reduceFx.identity, weight: 0,
                                                             syncDist: entry.syncDist, progressBar: entry.progressBar, reduceFx: entry.reduceFx)
            if let index = result.firstIndex(where: { $0.name == entry.name }) {
                result[index].weightedSum = entry.reduceFx.combine(result[index].weightedSum, added.weightedSum)
                result[index].weight += added.weight
            } else {
                result.append(added)
            }
        }
        return result
    }

    private func loadCallbackStates(from checkpoint: Checkpoint, source: String) throws {
        do {
            for (key, callback) in zip(callbackStateKeys, callbacks) {
                if let state = checkpoint.callbackStates[key] { try callback.load(stateDict: state) }
            }
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError("\(source) does not fit this run: \(error)")
        }
    }

    /// A line for the user on rank 0's standard error, kept in ``resumeNotes``.
    func note(_ message: String) {
        resumeNotes.append(message)
        if isGlobalZero { writeToStandardError("swift-ddp: note: \(message)\n") }
    }
}

extension CheckpointError {
    static func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw CheckpointError(message()) }
    }
}

extension StateDictError {
    /// The offending names, without the sentence around them.
    var mismatchSummary: String {
        var parts: [String] = []
        if !missing.isEmpty { parts.append("missing from the checkpoint: \(missing.joined(separator: ", "))") }
        if !unexpected.isEmpty { parts.append("not in the model: \(unexpected.joined(separator: ", "))") }
        if !mismatched.isEmpty {
            parts.append("different shapes: " + mismatched.map { "\($0.name) (model \($0.expected), checkpoint \($0.found))" }
                .joined(separator: ", "))
        }
        return parts.joined(separator: "; ")
    }
}
