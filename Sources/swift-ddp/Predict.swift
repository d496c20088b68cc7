import ArgumentParser
import DDPTasks
import Foundation

/// `swift-ddp predict --checkpoint FILE --out predictions.csv`: Lightning's `trainer.predict`,
/// the class probabilities of a trained task for every sample of its test set (or of the data
/// given, when it has none), written by rank 0 in the data's order.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a checkpoint's class probabilities for each test image (Fashion-MNIST's 10,000; for data without a test set, each sample of --data) to a CSV file (the options as for fit).")

    @Option(help: "The checkpoint to predict with.") var checkpoint: String
    @Option(help: "The CSV file to write: index, predicted_class, then probability_0, probability_1, ... per sample.") var out: String
    @OptionGroup var options: RunConfiguration

    func run() throws {
        let configuration = try options.evaluating(checkpoint)
        try PredictionsFile.checkDestination(out)
        try TrainingJob(configuration: configuration, launch: .current).predict(to: out)
    }
}

extension TrainingJob {
    /// Predicts with the task's model from the checkpoint in the plan, on the data's test set
    /// or else every sample given, and writes the rows to `path` from rank 0.
    func predict(to path: String) {
        start { communicator, task in
            guard task.hasPredictStep else {
                throw CommandError("the \(configuration.settings.task) task has no predict step (class probabilities): "
                    + "predict with a classification task, such as the classifier")
            }
            guard let loader = try task.predictionLoader() else {
                throw CommandError("the \(configuration.settings.task) task has no samples to predict on")
            }
            _ = try Checkpointing.setUp(configuration.checkpointPlan(for: .predict), module: task.module)
            let trainer = try configuration.makeTrainer(for: task, communicator: communicator, callbacks: [], loggers: [])
            let rows = try trainer.predict(task.module, data: loader)
            if communicator.isRoot {
                try PredictionsFile.write(rows, to: path)
                let what = task.data.hasTestSet ? "test images" : "samples"
                print("swift-ddp: predictions for the \(rows.count) \(what) of \(task.data.source) written to \(path)")
            }
        }
    }
}
