import SwiftDDP
#if canImport(Glibc)
import Glibc
#endif

/// What an example run produced: enough to compare runs with different numbers of ranks.
public struct ExampleResult: Codable, Equatable {
    public var name: String
    /// `train_loss` of every optimizer step (averaged over ranks and accumulated batches).
    public var losses: [Double]
    /// The loss each optimizer step returned (`Trainer.lastStepLoss`; automatic optimization
    /// and closures): averaged over ranks and accumulated batches.
    public var stepLosses: [Double]
    /// The final parameters, flattened in registration order.
    public var parameters: [Float]
    /// Other series an example reports (learning rates, gradient norms, ...).
    public var traces: [String: [Double]]
    public var globalStep: Int
    /// Steps per optimizer.
    public var stepCounts: [Int]
}

/// An example of the optimization guide, runnable with any communicator.
public struct Example: Sendable {
    public let name: String
    /// Runs with `globalBatchSize` samples per step shared by the ranks of `communicator`.
    public let run: @Sendable (_ communicator: any Communicator, _ globalBatchSize: Int) throws -> ExampleResult
}

/// The data sets the examples train on: small, fixed, and the same whatever the number of
/// ranks, so a run on N ranks can be compared with a run on one.
public enum ExampleData {
    /// 96 samples of 6 features in 3 classes (a noisy linear rule).
    public static func classification(count: Int = 96, features: Int = 6, classes: Int = 3) -> TensorDataset {
        var generator = RandomGenerator(seed: 11)
        let inputs = Tensor.randn([count, features], using: &generator)
        let rule = Tensor.randn([features, classes], using: &generator)
        let scores = inputs.matmul(rule)
        let labels = (0..<count).map { row in
            (0..<classes).max { scores.data[row * classes + $0] < scores.data[row * classes + $1] }!
        }
        return TensorDataset(inputs: inputs, labels: labels)
    }

    /// 96 samples of 6 features with a noisy linear target `[n, 1]`.
    public static func regression(count: Int = 96, features: Int = 6) -> TensorDataset {
        var generator = RandomGenerator(seed: 12)
        let inputs = Tensor.randn([count, features], using: &generator)
        let weights = Tensor.randn([features, 1], using: &generator)
        let noise = Tensor.randn([count, 1], using: &generator) * 0.1
        return TensorDataset(inputs: inputs, targets: inputs.matmul(weights) + noise)
    }

    /// Points of an 8-mode ring (inputs `[n, 2]`) with a latent noise vector per sample
    /// (targets `[n, latent]`): the noise belongs to the sample, so a generator sees the same
    /// noise for the same global batch on any number of ranks.
    public static func ring(count: Int = 128, latent: Int = 4) -> TensorDataset {
        var generator = RandomGenerator(seed: 13)
        let inputs = Tensor(uninitializedShape: [count, 2])
        for i in 0..<count {
            let angle = Float(i % 8) * Float.pi / 4
            let (e1, e2) = generator.nextNormalPair()
            inputs.data[2 * i] = 2 * cosf(angle) + 0.05 * e1
            inputs.data[2 * i + 1] = 2 * sinf(angle) + 0.05 * e2
        }
        return TensorDataset(inputs: inputs, targets: Tensor.randn([count, latent], using: &generator))
    }
}

/// A small MLP with ReLUs, its weights drawn from a fixed seed (so every run starts alike).
public func exampleMLP(_ sizes: [Int], seed: UInt64) -> Sequential {
    var generator = RandomGenerator(seed: seed)
    var layers: [any Layer] = []
    for i in 0..<(sizes.count - 1) {
        layers.append(Linear(sizes[i], sizes[i + 1], using: &generator))
        if i < sizes.count - 2 { layers.append(ReLU()) }
    }
    return Sequential(layers)
}

/// Fits `module` with the given trainer options and collects an ``ExampleResult``.
public func fitExample(
    _ name: String, _ module: some TrainingModule, data: TensorDataset = ExampleData.classification(),
    communicator: any Communicator, globalBatchSize: Int, maxEpochs: Int = 3, maxSteps: Int? = nil,
    accumulateGradBatches: Int = 1, gradientClipVal: Double? = nil,
    gradientClipAlgorithm: GradientClipAlgorithm = .norm, callbacks: [any Callback] = [],
    validation: TensorDataset? = nil, traces: (() -> [String: [Double]])? = nil
) throws -> ExampleResult {
    precondition(globalBatchSize % communicator.worldSize == 0,
                 "a global batch of \(globalBatchSize) does not split over \(communicator.worldSize) ranks")
    let stepLosses = StepLossTrace()
    let trainer = try Trainer(
        maxEpochs: maxEpochs, maxSteps: maxSteps, accumulateGradBatches: accumulateGradBatches,
        gradientClipVal: gradientClipVal, gradientClipAlgorithm: gradientClipAlgorithm, logEveryNSteps: 1,
        communicator: communicator, callbacks: callbacks + [stepLosses], enableProgressBar: false,
        // With several ranks, prove after every step that all replicas are identical.
        checkConsistency: communicator.worldSize > 1 ? 1 : nil, keepLoggedEvents: true)
    let loader = try DataLoader(data, batchSize: globalBatchSize / communicator.worldSize, seed: 5)
    let validationLoader = try validation.map { try DataLoader($0, batchSize: 32, shuffle: false) }
    try trainer.fit(module, train: loader, validation: validationLoader)
    let losses = trainer.loggedEvents.flatMap { event in event.values.filter { $0.name == "train_loss" }.map(\.value) }
    return ExampleResult(
        name: name, losses: losses, stepLosses: stepLosses.values, parameters: module.parameters().flatMap { Array($0.scalars) },
        traces: traces?() ?? [:], globalStep: trainer.globalStep, stepCounts: trainer.optimizers.map(\.stepCount))
}

/// Records the loss of every batch after which an optimizer stepped.
final class StepLossTrace: Callback {
    private(set) var values: [Double] = []
    private var lastGlobalStep = 0

    func onTrainBatchEnd(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws {
        if trainer.globalStep > lastGlobalStep, let loss = trainer.lastStepLoss { values.append(Double(loss)) }
        lastGlobalStep = trainer.globalStep
    }
}

/// Records a value after every training batch, on every rank.
final class BatchTrace: Callback {
    private(set) var values: [Double] = []
    private let read: (Trainer) -> Double

    init(_ read: @escaping (Trainer) -> Double) { self.read = read }

    func onTrainBatchEnd(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws {
        values.append(read(trainer))
    }
}
