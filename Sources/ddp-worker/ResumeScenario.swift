import ArgumentParser
import DDPTestModels
import Foundation
import OptimizationExamples
import SwiftDDP
#if canImport(Glibc)
import Glibc
#endif

/// What the `resume` scenario does, from its options.
///
/// Numeric options take the next argument even when it starts with a dash.
struct ResumeConfiguration: ParsableArguments {
    @Option(name: .customLong("dir"), help: "The run's folder: checkpoints/ and logs/ (rank 0) go there.")
    var directory: String
    @Option(help: "A checkpoint to continue from (a path, or last); without it the run starts afresh.")
    var resume: String?
    @Flag(help: "Resume from a checkpoint of another run shape (seed, global batch, ...), refused otherwise.")
    var force = false
    @Option(parsing: .unconditional, help: "Epochs.")
    var epochs = 3
    @Option(name: .customLong("batch"), parsing: .unconditional, help: "Samples per step over all ranks.")
    var globalBatch = 8
    @Option(parsing: .unconditional, help: "Training samples.")
    var samples = 48
    @Option(parsing: .unconditional, help: "A checkpoint every this many steps.")
    var everySteps = 4
    @Option(parsing: .unconditional, help: "Dropout probability (0: no dropout layer).")
    var dropout: Float = 0.25
    @Option(parsing: .unconditional, help: "The trainer's and the data loader's seed.")
    var seed = 5
    @Option(parsing: .unconditional, help: "Hidden units.")
    var hidden = 16
    @Option(name: .customLong("max-steps"), parsing: .unconditional, help: "Stop after this many steps (0: no limit).")
    var maxStepLimit = 0

    var maxSteps: Int? { maxStepLimit > 0 ? maxStepLimit : nil }
}

/// Trains a ``CheckpointedModel`` (with dropout) for `epochs` with a checkpoint every
/// `everySteps` steps (all kept), possibly resuming; rank 0 prints one JSON line: the final
/// parameters' bit patterns, every logged value (with its bit pattern) and the trainer's notes.
func trainForResume(_ configuration: ResumeConfiguration, communicator: any Communicator) throws {
    guard configuration.globalBatch % communicator.worldSize == 0 else {
        throw UsageError(description: "--batch \(configuration.globalBatch) does not split over \(communicator.worldSize) ranks")
    }
    let data = ExampleData.classification(count: configuration.samples)
    let validation = ExampleData.classification(count: 16)
    let model = CheckpointedModel(hidden: configuration.hidden, dropout: configuration.dropout)
    let checkpoints = ModelCheckpoint(directory: configuration.directory + "/checkpoints", saveTopK: -1,
                                      everyNTrainSteps: configuration.everySteps)
    let logs = configuration.directory + "/logs"
    let loggers: [any MetricsLogger] = communicator.isRoot ? [try CSVLogger(directory: logs), try TensorBoardLogger(directory: logs)] : []
    let trainer = try Trainer(
        maxEpochs: configuration.epochs, maxSteps: configuration.maxSteps, logEveryNSteps: 1,
        seed: UInt64(configuration.seed), communicator: communicator,
        callbacks: [checkpoints, EarlyStopping(monitor: "val_loss", patience: 100)],
        loggers: loggers, enableProgressBar: false, keepLoggedEvents: true)
    trainer.runConfiguration = ["model": "6-\(configuration.hidden)-3 dropout \(configuration.dropout)"]
    trainer.exactConfigurationKeys = ["model"]
    let perRank = configuration.globalBatch / communicator.worldSize
    try trainer.fit(model, train: try DataLoader(data, batchSize: perRank, seed: UInt64(configuration.seed)),
                    validation: try DataLoader(validation, batchSize: 4, shuffle: false),
                    checkpointPath: configuration.resume, forceResume: configuration.force)

    guard communicator.isRoot else { return }
    var events: [[String: Any]] = []
    for record in trainer.loggedEvents {
        for value in record.values {
            events.append(["step": record.step, "epoch": record.epoch, "name": value.name,
                           "value": value.value, "bits": String(value.value.bitPattern)])
        }
    }
    let result: [String: Any] = [
        "world_size": communicator.worldSize,
        "global_step": trainer.globalStep,
        "parameters": model.parameters().flatMap(\.scalars).map { Int($0.bitPattern) },
        "events": events,
        "notes": trainer.resumeNotes,
    ]
    print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
    fflush(nil)   // every output stream: the parent reads lines as they come
}
