import DDPTestModels
import DDPTestSupport
import Foundation
import OptimizationExamples
import SwiftDDP
import Testing

/// One run of ``CheckpointedModel``: 48 samples in batches of 8 (6 steps an epoch).
struct Run {
    var folder: String
    var model = CheckpointedModel()
    var trainer: Trainer
    var checkpoints: ModelCheckpoint

    init(folder: String, epochs: Int = 3, seed: UInt64 = 5, monitor: String? = nil, saveTopK: Int = -1,
         everyNTrainSteps: Int? = 4, everyNEpochs: Int? = nil, maxSteps: Int? = nil, accumulate: Int = 1,
         communicator: (any Communicator)? = nil, model: CheckpointedModel = CheckpointedModel()) throws {
        self.folder = folder
        self.model = model
        checkpoints = ModelCheckpoint(directory: folder, monitor: monitor, saveTopK: saveTopK,
                                      everyNTrainSteps: everyNTrainSteps, everyNEpochs: everyNEpochs)
        trainer = try Trainer(maxEpochs: epochs, maxSteps: maxSteps, accumulateGradBatches: accumulate, logEveryNSteps: 1, seed: seed,
                              communicator: communicator ?? LocalCommunicator(), callbacks: [checkpoints],
                              enableProgressBar: false, keepLoggedEvents: true)
    }

    func fit(batchSize: Int = 8, dataSeed: UInt64 = 5, from checkpoint: String? = nil, force: Bool = false) throws {
        try trainer.fit(model, train: try DataLoader(ExampleData.classification(count: 48), batchSize: batchSize, seed: dataSeed),
                        validation: try DataLoader(ExampleData.classification(count: 16), batchSize: 4, shuffle: false),
                        checkpointPath: checkpoint, forceResume: force)
    }

    var parameterBits: [UInt32] { model.parameters().flatMap(\.scalars).map(\.bitPattern) }

    /// Every logged value after `step`, as (step, name, bits).
    func loggedValues(after step: Int) -> [String] {
        trainer.loggedEvents.filter { $0.step >= step }.flatMap { record in
            record.values.map { "\(record.step) \(record.epoch) \($0.name) \($0.value.bitPattern)" }
        }
    }
}

/// The files of `folder`, sorted, with their contents.
private func snapshot(_ folder: String) throws -> [String: Data] {
    var result: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
        result[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
    }
    return result
}

@Suite struct CheckpointTests {
    @Test func modelCheckpointNamesFilesByEpochAndStepAndKeepsLast() throws {
        let folder = try makeTemporaryFolder()
        let run = try Run(folder: folder)
        try run.fit()
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        // 18 steps, every 4: steps 4, 8, 12 (the last batch of epoch 1), 16; last holds step 16.
        #expect(names == ["epoch=0-step=4.safetensors", "epoch=1-step=12.safetensors", "epoch=1-step=8.safetensors",
                          "epoch=2-step=16.safetensors", "last.safetensors"])
        let middle = try Checkpoint.read(from: folder + "/epoch=1-step=8.safetensors")
        #expect(middle.progress.epoch == 1 && middle.progress.batchIndex == 2 && middle.progress.globalStep == 8)
        #expect(middle.progress.batchesInEpoch == 6 && middle.progress.optimizerStepCounts == [8])
        #expect(middle.run.globalBatchSize == 8 && middle.run.seed == 5 && middle.run.trainingSetSize == 48)
        #expect(middle.optimizerStates.count == 1 && middle.optimizerStates[0].optimizerType == "Adam")
        #expect(middle.schedulerStates.map(\.schedulerType) == ["StepLR"])
        #expect(middle.rankRandomStates.count == 1)
        #expect(middle.modelState.map(\.name) == run.model.stateDict().map(\.name))
        // The end of training is saved to last alone.
        let last = try Checkpoint.read(from: folder + "/last.safetensors")
        #expect(last.progress.globalStep == 18 && last.progress.epoch == 3 && last.progress.batchIndex == 0)
        let names16 = try Checkpoint.read(from: folder + "/epoch=2-step=16.safetensors")
        #expect(names16.callbackStates["ModelCheckpoint"]?.keys.filter { $0.hasPrefix("kept/") }.count == 4)
    }

    /// With dropout, the masks after the checkpoint come from the restored per-rank stream.
    @Test(arguments: [Float(0), 0.3])
    func resumingMidEpochContinuesBitwiseInOneProcess(dropout: Float) throws {
        let full = try Run(folder: try makeTemporaryFolder(), model: CheckpointedModel(dropout: dropout))
        try full.fit()
        let resumed = try Run(folder: try makeTemporaryFolder(), model: CheckpointedModel(dropout: dropout))
        try resumed.fit(from: full.folder + "/epoch=1-step=8.safetensors")
        #expect(resumed.trainer.globalStep == 18 && resumed.trainer.currentEpoch == 3)
        #expect(resumed.parameterBits == full.parameterBits)
        let after = resumed.loggedValues(after: 8)
        #expect(!after.isEmpty)
        #expect(after == full.loggedValues(after: 8))
        // The epoch mean of the resumed epoch includes the batches trained before the checkpoint.
        #expect(after.contains { $0.hasPrefix("11 1 train_loss_epoch") })
    }

    @Test func resumingFromLastUsesTheCheckpointFolderAndContinuesAfterMaxSteps() throws {
        let folder = try makeTemporaryFolder()
        let full = try Run(folder: try makeTemporaryFolder())
        try full.fit()
        // Stopped by maxSteps in the middle of epoch 1: the last state is saved, then continued.
        let first = try Run(folder: folder, maxSteps: 9)
        try first.fit()
        #expect(try Checkpoint.read(from: folder + "/last.safetensors").progress.globalStep == 9)
        let second = try Run(folder: folder)
        try second.fit(from: "last")
        #expect(second.parameterBits == full.parameterBits)
        #expect(second.loggedValues(after: 9) == full.loggedValues(after: 9))
    }

    @Test func topKKeepsTheBestByTheMonitoredMetricAndDeletesOnlyItsOwnFiles() throws {
        let folder = try makeTemporaryFolder()
        try Data("not ours".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
        let run = try Run(folder: folder, epochs: 4, monitor: "val_loss", saveTopK: 2, everyNTrainSteps: nil)
        try run.fit()
        let kept = run.checkpoints.kept
        #expect(kept.count == 2)
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: folder))
        #expect(files == Set(kept.map(\.file) + ["last.safetensors", "notes.txt"]))
        // Every checkpoint's own val_loss is its score; the kept ones are the two lowest of the four epochs.
        let keptScores = kept.map(\.score)
        for entry in kept {
            let saved = try Checkpoint.read(from: folder + "/" + entry.file)
            // The checkpoint keeps Doubles exactly (exact resume depends on it): the same number.
            #expect(saved.callbackMetrics["val_loss"] == entry.score)
        }
        #expect(run.checkpoints.bestModelScore == keptScores.min())
        #expect(run.checkpoints.bestModelPath == folder + "/" + kept.min { $0.score < $1.score }!.file)

        // From an epoch-end checkpoint: the same weights and the same ranking at the end.
        let first = try #require(kept.first { !$0.file.hasPrefix("epoch=3") })
        let resumedFolder = try makeTemporaryFolder()
        let resumed = try Run(folder: resumedFolder, epochs: 4, monitor: "val_loss", saveTopK: 2, everyNTrainSteps: nil)
        try resumed.fit(from: folder + "/" + first.file)
        #expect(resumed.parameterBits == run.parameterBits)
        #expect(resumed.checkpoints.kept.map(\.file) == kept.map(\.file))
        #expect(resumed.checkpoints.kept.map(\.score) == keptScores)
    }

    @Test func aChangedRunShapeIsRefusedUnlessForced() throws {
        let full = try Run(folder: try makeTemporaryFolder())
        try full.fit()
        let path = full.folder + "/epoch=1-step=8.safetensors"
        let other = try Run(folder: try makeTemporaryFolder(), seed: 6)
        #expect {
            try other.fit(batchSize: 4, from: path)
        } throws: { error in
            let text = "\(error)"
            return error is CheckpointError && text.contains("seed 6 (checkpoint 5)")
                && text.contains("global batch size 4 (checkpoint 8)") && text.contains("force") && !text.contains("\n")
        }
        let forced = try Run(folder: try makeTemporaryFolder(), seed: 6)
        try forced.fit(from: path, force: true)
        #expect(forced.trainer.resumeNotes.contains { $0.contains("although seed 6 (checkpoint 5)") })
        #expect(forced.trainer.globalStep == 18)
    }

    @Test func anotherModelIsRefusedWithTheNamesAndShapesListed() throws {
        let full = try Run(folder: try makeTemporaryFolder())
        try full.fit()
        let folder = try makeTemporaryFolder()
        let wider = try Run(folder: folder, model: CheckpointedModel(hidden: 9))
        let before = try snapshot(full.folder)
        #expect {
            try wider.fit(from: full.folder + "/last.safetensors", force: true)
        } throws: { error in
            let text = "\(error)"
            return error is CheckpointError && text.contains("another model")
                && text.contains("net.0.weight (model [9, 6], checkpoint [8, 6])") && !text.contains("\n")
        }
        #expect(try snapshot(full.folder) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }

    @Test func truncatedCorruptedAndMissingCheckpointsAreClearErrorsThatTouchNothing() throws {
        let full = try Run(folder: try makeTemporaryFolder())
        try full.fit()
        let source = try Data(contentsOf: URL(fileURLWithPath: full.folder + "/last.safetensors"))
        let bad = try makeTemporaryFolder()
        try source.prefix(source.count - 100).write(to: URL(fileURLWithPath: bad + "/truncated.safetensors"))
        var corrupted = source
        corrupted[20] = 0xFF  // inside the JSON header
        try corrupted.write(to: URL(fileURLWithPath: bad + "/corrupted.safetensors"))
        let weightsOnly = SafeTensorsFile(tensors: full.model.stateDict())
        try weightsOnly.write(to: bad + "/weights.safetensors")
        let expectations = [
            ("truncated.safetensors", "truncated"), ("corrupted.safetensors", "not a JSON object"),
            ("missing.safetensors", "does not exist"), ("weights.safetensors", "not a swift-ddp checkpoint"),
        ]
        let before = try snapshot(bad)
        for (file, phrase) in expectations {
            let target = try makeTemporaryFolder()
            let run = try Run(folder: target)
            #expect {
                try run.fit(from: bad + "/" + file)
            } throws: { error in
                error is CheckpointError && "\(error)".contains(phrase) && !"\(error)".contains("\n")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: target).isEmpty)
        }
        #expect(try snapshot(bad) == before)
        let empty = try Run(folder: try makeTemporaryFolder())
        #expect(throws: CheckpointError.self) { try empty.fit(from: "last") }
    }

    @Test func resumingOnTwoRanksFromOneRankCheckpointTakesTheSameGlobalBatches() throws {
        let full = try Run(folder: try makeTemporaryFolder(), model: CheckpointedModel())
        try full.fit()
        let path = full.folder + "/epoch=1-step=8.safetensors"
        @Sendable func stepLosses(_ trainer: Trainer) -> [(step: Int, loss: Float)] {
            trainer.loggedEvents.filter { $0.step >= 8 }.flatMap { record in
                record.values.filter { $0.name == "train_loss_step" }.map { (record.step, Float($0.value)) }
            }
        }
        let results = ThreadGroupCommunicator.run(worldSize: 2) { communicator -> ([(step: Int, loss: Float)], [String]) in
            let run = try Run(folder: try makeTemporaryFolder(), communicator: communicator)
            try run.fit(batchSize: 4, from: path)
            return (stepLosses(run.trainer), run.trainer.resumeNotes)
        }
        let expected = stepLosses(full.trainer)
        for result in results {
            let (losses, notes) = try result.get()
            #expect(losses.map(\.step) == Array(8..<18) && expected.map(\.step) == Array(8..<18))
            #expect(allClose(losses.map(\.loss), expected.map(\.loss), rtol: 1e-5, atol: 1e-6))
            #expect(notes.contains { $0.contains("1-rank checkpoint on 2 ranks") })
        }
    }

    @Test func float64AndScalarOptimizerStateSurviveTheFileExactly() throws {
        let folder = try makeTemporaryFolder()
        let run = try Run(folder: folder)
        try run.fit()
        var checkpoint = try Checkpoint.read(from: folder + "/last.safetensors")
        let history = [1.0 / 3.0, .pi, -1e-300, 0x1.fffffffffffffp1023]
        checkpoint.optimizerStates[0].state[1, default: ParameterState()]["old_dirs"] = .doubles(history, shape: [2, 2])
        checkpoint.optimizerStates[0].state[1, default: ParameterState()]["n_iter"] = .number(7)
        checkpoint.rankRandomStates = [[UInt64.max, 1 << 63 | 5, 0, 12_345_678_901_234_567_890]]
        checkpoint.run.seed = UInt64.max
        try checkpoint.write(to: folder + "/edited.safetensors")
        let read = try Checkpoint.read(from: folder + "/edited.safetensors")
        guard case .doubles(let values, let shape)? = read.optimizerStates[0].state[1]?["old_dirs"],
              case .number(let iterations)? = read.optimizerStates[0].state[1]?["n_iter"] else {
            Issue.record("the Float64 or scalar state was lost")
            return
        }
        #expect(values.map(\.bitPattern) == history.map(\.bitPattern) && shape == [2, 2] && iterations == 7)
        #expect(read.rankRandomStates == checkpoint.rankRandomStates && read.run.seed == UInt64.max)
        #expect(read.modelState.map(\.name) == checkpoint.modelState.map(\.name))
        #expect(zip(read.modelState, checkpoint.modelState).allSatisfy { $0.tensor.scalars == $1.tensor.scalars })
        // The weights load into the same model, and not into another.
        try read.loadModelState(into: CheckpointedModel())
        #expect(throws: CheckpointError.self) { try read.loadModelState(into: CheckpointedModel(hidden: 5)) }
    }

    @Test func resumingWithGradientAccumulationContinuesBitwise() throws {
        // Steps after every second batch: 3 an epoch, a checkpoint every 2 steps (after batches 3, 1 of epoch 1, ...).
        let full = try Run(folder: try makeTemporaryFolder(), everyNTrainSteps: 2, accumulate: 2)
        try full.fit()
        let path = full.folder + "/epoch=1-step=4.safetensors"
        #expect(try Checkpoint.read(from: path).progress.batchIndex == 2)
        let resumed = try Run(folder: try makeTemporaryFolder(), everyNTrainSteps: 2, accumulate: 2)
        try resumed.fit(from: path)
        #expect(resumed.parameterBits == full.parameterBits)
        #expect(resumed.loggedValues(after: 4) == full.loggedValues(after: 4))
        let other = try Run(folder: try makeTemporaryFolder(), accumulate: 1)
        #expect(throws: CheckpointError.self) { try other.fit(from: path) }
    }

    @Test func aCheckpointSavedFromACallbackContinuesAfterTheBatchJustTrained() throws {
        final class SaveAtStep: Callback {
            let path: String, step: Int
            init(path: String, step: Int) { self.path = path; self.step = step }
            func onTrainBatchEnd(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws {
                if trainer.globalStep == step { try trainer.saveCheckpoint(to: path) }
            }
        }
        let folder = try makeTemporaryFolder()
        let full = try Run(folder: folder, everyNTrainSteps: nil, everyNEpochs: 100)
        let saver = SaveAtStep(path: folder + "/by-hand.safetensors", step: 9)
        let trainer = try Trainer(maxEpochs: 3, logEveryNSteps: 1, seed: 5, communicator: LocalCommunicator(),
                                  callbacks: [saver], enableProgressBar: false)
        try trainer.fit(full.model, train: try DataLoader(ExampleData.classification(count: 48), batchSize: 8, seed: 5),
                        validation: try DataLoader(ExampleData.classification(count: 16), batchSize: 4, shuffle: false))
        let saved = try Checkpoint.read(from: folder + "/by-hand.safetensors")
        #expect(saved.progress.epoch == 1 && saved.progress.batchIndex == 3 && saved.progress.globalStep == 9)
        let resumed = try Run(folder: try makeTemporaryFolder())
        try resumed.fit(from: folder + "/by-hand.safetensors")
        #expect(resumed.parameterBits == full.parameterBits)
        #expect(throws: TrainerError.self) { try trainer.saveCheckpoint(to: folder + "/outside.safetensors") }
    }

    @Test func aLongerRunContinuesTheLastStateOfAFinishedOne() throws {
        let folder = try makeTemporaryFolder()
        let full = try Run(folder: try makeTemporaryFolder(), epochs: 3)
        try full.fit()
        let short = try Run(folder: folder, epochs: 2)
        try short.fit()
        let longer = try Run(folder: folder, epochs: 3)
        try longer.fit(from: "last")
        #expect(longer.parameterBits == full.parameterBits)
        #expect(longer.loggedValues(after: 12) == full.loggedValues(after: 12))
    }
}
