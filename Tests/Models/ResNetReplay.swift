import Foundation
import SwiftDDP

/// Ten SGD steps of the residual CNN on the fixed batch that
/// Tests/Reference/pytorch_resnet_replay.py recorded in PyTorch, run through `Trainer` from
/// the same initial weights, recording what that script records.
///
/// Run by the replay tests in one process and by `ddp-worker resnet-replay` under mpirun;
/// the global batch (16 images) is split over the ranks.
public enum ResNetReplay {
    /// Tests/Reference/resnet_replay, found from this file's location.
    public static let fixtureDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Reference/resnet_replay").path

    /// What the script recorded (trace.json).
    public struct Trace: Decodable {
        public let torch: String
        public let widths: [Int]
        public let classes: Int
        public let batchSize: Int
        public let optimizer: OptimizerRecord
        /// The PyTorch state_dict's names and shapes, in order.
        public let stateDict: [StateDictEntry]
        public let parameters: [String]
        public let sliceLength: Int
        public let steps: [Step]
        public let finalWeightSlices: [String: [Double]]
        public let finalBuffers: [String: [Double]]
    }

    public struct OptimizerRecord: Decodable {
        public let name: String
        public let lr: Double
        public let momentum: Double
    }

    /// A `[name, shape]` pair of the trace.
    public struct StateDictEntry: Decodable, Equatable {
        public let name: String
        public let shape: [Int]

        public init(name: String, shape: [Int]) {
            self.name = name
            self.shape = shape
        }

        public init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            name = try container.decode(String.self)
            shape = try container.decode([Int].self)
        }
    }

    /// One optimizer step: the loss of the whole batch, the gradients the step used and the
    /// running statistics after the step's forward.
    public struct Step: Codable {
        public var loss: Double
        public var gradientNorm: Double
        public var parameterGradientNorms: [Double]
        public var gradientSlices: [String: [Double]]
        public var runningStatistics: [String: [Double]]
    }

    /// What a replay produced, on rank 0.
    public struct Result: Codable {
        public var steps: [Step]
        public var finalWeightSlices: [String: [Double]]
        public var finalBuffers: [String: [Double]]
    }

    public static func loadTrace(from directory: String = fixtureDirectory) throws -> Trace {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Trace.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/trace.json")))
    }

    /// Builds the model, loads the recorded initial weights by name (strictly) and trains
    /// as many steps as the trace holds, on every rank of `communicator`.
    public static func run(
        directory: String = fixtureDirectory, communicator: any Communicator, syncBatchNorm: Bool
    ) throws -> Result {
        let trace = try loadTrace(from: directory)
        var generator = RandomGenerator(seed: 0)
        let net = ResNet(inChannels: 1, blockWidths: trace.widths, classes: trace.classes, using: &generator)
        try net.load(stateDict: try SafeTensorsFile.read(from: directory + "/initial.safetensors").dictionary)
        let batch = try SafeTensorsFile.read(from: directory + "/batch.safetensors").dictionary
        guard let inputs = batch["inputs"], let labels = batch["labels"] else {
            throw TrainerError("\(directory)/batch.safetensors lacks inputs or labels")
        }
        let dataset = TensorDataset(inputs: inputs, labels: labels.scalars.map { Int($0) })

        let module = ReplayModule(net: net, trace: trace)
        let trainer = try Trainer(maxSteps: trace.steps.count, logEveryNSteps: 1, communicator: communicator,
                                  enableProgressBar: false, checkConsistency: 1, syncBatchNorm: syncBatchNorm)
        // The loader's batch size is per rank: the ranks share the recorded batch.
        let perRank = trace.batchSize / communicator.worldSize
        guard perRank * communicator.worldSize == trace.batchSize else {
            throw TrainerError("the recorded batch of \(trace.batchSize) does not split over \(communicator.worldSize) ranks")
        }
        try trainer.fit(module, train: try DataLoader(dataset, batchSize: perRank, shuffle: false))

        let parameters = Dictionary(uniqueKeysWithValues: net.namedParameters().map { ($0.name, $0.tensor) })
        return Result(
            steps: module.steps,
            finalWeightSlices: trace.finalWeightSlices.keys.reduce(into: [:]) { slices, name in
                slices[name] = parameters[name].map { Array($0.scalars.prefix(trace.sliceLength)).map(Double.init) }
            },
            finalBuffers: Dictionary(uniqueKeysWithValues: net.namedBuffers().map { ($0.name, $0.tensor.scalars.map(Double.init)) }))
    }
}

/// The ResNet under its own names, recording each step's gradients (synchronised, as the
/// optimizer sees them) where the trainer would clip them.
private final class ReplayModule: Module, TrainingModule {
    let net: ResNet
    let trace: ResNetReplay.Trace
    var steps: [ResNetReplay.Step] = []

    override var namedChildren: [(String, Module)] { net.namedChildren }

    init(net: ResNet, trace: ResNetReplay.Trace) {
        self.net = net
        self.trace = trace
    }

    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        crossEntropy(net(batch.inputs), targets: batch.labels)
    }

    func configureOptimizers() throws -> OptimizerConfiguration {
        OptimizerConfiguration(try SGD(parameters(), lr: trace.optimizer.lr, momentum: trace.optimizer.momentum))
    }

    func configureGradientClipping(
        optimizer: ManagedOptimizer, optimizerIndex: Int, gradientClipVal: Double?, gradientClipAlgorithm: GradientClipAlgorithm?
    ) throws {
        let named = net.namedParameters()
        let norms = named.map { entry in (entry.tensor.grad?.scalars ?? []).reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }
        let gradients = Dictionary(uniqueKeysWithValues: named.map { ($0.name, $0.tensor.grad?.scalars ?? []) })
        let buffers = Dictionary(uniqueKeysWithValues: net.namedBuffers().map { ($0.name, $0.tensor.scalars) })
        let recorded = trace.steps[0]
        steps.append(ResNetReplay.Step(
            loss: .nan,
            gradientNorm: norms.reduce(0) { $0 + $1 * $1 }.squareRoot(),
            parameterGradientNorms: norms,
            gradientSlices: recorded.gradientSlices.keys.reduce(into: [:]) { slices, name in
                slices[name] = gradients[name].map { Array($0.prefix(trace.sliceLength)).map(Double.init) }
            },
            runningStatistics: recorded.runningStatistics.keys.reduce(into: [:]) { statistics, name in
                statistics[name] = buffers[name]?.map(Double.init)
            }))
    }

    func onTrainBatchEnd(_ batch: Batch, batchIndex: Int) throws {
        // The loss of the whole global batch, averaged over the ranks.
        if let loss = (runner as? Trainer)?.lastStepLoss, !steps.isEmpty { steps[steps.count - 1].loss = Double(loss) }
    }
}
