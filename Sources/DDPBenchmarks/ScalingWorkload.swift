import DDPData
import DDPNN
import DDPOptim
import DDPTensor
import DDPTrainer

/// A model, its optimizer and random data of its shape: what ``ScalingBenchmark`` trains on
/// one rank and on all of them.
public struct ScalingWorkload {
    /// The figure's name: `scale-<name>` for the speed-up, `peak-rss-<name>` for the memory.
    public let name: String
    /// The model and batch, for the report.
    public let summary: String
    /// Samples per rank and step.
    public let batchSize: Int
    /// `bench scaling` times `--steps` times this many steps per measurement, so that every
    /// workload's measurement lasts about as long (a step takes about 0.5 ms for MLP-S, 30 ms
    /// for MLP-L, 100 ms for the ResNet and 1 s for the GPT on one core).
    public let benchStepsScale: Double
    /// Floats of optimizer state per parameter (SGD momentum 1, Adam's two moments 2).
    public let optimizerStatePerParameter: Int
    /// The goal of the speed-up on 2 ranks.
    public let speedUpGoal: Double
    /// A fresh module, the same on every rank (fixed seed).
    public let makeModule: () -> any TrainingModule
    /// `count` random samples.
    public let makeData: (_ count: Int, _ generator: inout RandomGenerator) -> any Dataset

    /// The MLP 784-1024-1024-10 with SGD momentum 0.9 (the MLP-L of the benchmarks).
    public static func largeMLP(batchSize: Int = 128) -> ScalingWorkload {
        mlp(name: "mlp-l", sizes: [784, 1024, 1024, 10], batchSize: batchSize, benchStepsScale: 0.5, speedUpGoal: 1.85)
    }

    /// The MLP 64-256-256-10 with SGD momentum 0.9 (the MLP-S of the benchmarks).
    public static func smallMLP(batchSize: Int = 64) -> ScalingWorkload {
        mlp(name: "mlp-s", sizes: [64, 256, 256, 10], batchSize: batchSize, benchStepsScale: 5, speedUpGoal: 1.6)
    }

    /// A classifier MLP of `sizes` on random inputs, labels `i % 10`.
    private static func mlp(name: String, sizes: [Int], batchSize: Int, benchStepsScale: Double, speedUpGoal: Double) -> ScalingWorkload {
        ScalingWorkload(
            name: name, summary: "MLP \(sizes.map(String.init).joined(separator: "-")), batch \(batchSize) per rank",
            batchSize: batchSize, benchStepsScale: benchStepsScale, optimizerStatePerParameter: 1, speedUpGoal: speedUpGoal,
            makeModule: { Classifier(multilayerPerceptron(sizes, seed: 1)) },
            makeData: { count, generator in
                TensorDataset(inputs: Tensor.randn([count, sizes[0]], using: &generator), labels: (0..<count).map { $0 % 10 })
            })
    }

    /// `--model resnet` on 28x28 grey images, SGD momentum 0.9, batch 64 per rank by default.
    public static func resnet(blockWidths: [Int] = ResNetStepBenchmark.blockWidths,
                              batchSize: Int = ResNetStepBenchmark.batchSize) -> ScalingWorkload {
        ScalingWorkload(
            name: "resnet", summary: "ResNet \(blockWidths.map(String.init).joined(separator: ",")), batch \(batchSize) of 28x28 per rank",
            batchSize: batchSize, benchStepsScale: 0.25, optimizerStatePerParameter: 1, speedUpGoal: 1.8,
            makeModule: {
                var generator = RandomGenerator(seed: 1)
                return Classifier(ResNet(inChannels: 1, blockWidths: blockWidths, classes: 10, using: &generator))
            },
            makeData: { count, generator in
                TensorDataset(inputs: Tensor.randn([count, 1, 28, 28], using: &generator), labels: (0..<count).map { $0 % 10 })
            })
    }

    /// A GPT with AdamW (weight decay on matrices only), on windows of random tokens; by
    /// default the size of `bench gpt`.
    public static func gpt(_ configuration: GPTConfiguration = GPTStepBenchmark.configuration,
                           batchSize: Int = GPTStepBenchmark.batch) -> ScalingWorkload {
        let c = configuration
        return ScalingWorkload(
            name: "gpt",
            summary: "GPT \(c.layerCount) layers, \(c.headCount) heads, \(c.embeddingSize) wide, context \(c.blockSize), "
                + "batch \(batchSize) per rank",
            batchSize: batchSize, benchStepsScale: 1.0 / 6, optimizerStatePerParameter: 2, speedUpGoal: 1.8,
            makeModule: {
                var generator = RandomGenerator(seed: 1)
                return LanguageModel(GPT(configuration, using: &generator))
            },
            makeData: { count, generator in
                let tokens = (0...(count * c.blockSize)).map { _ in Int(generator.next() % UInt64(c.vocabularySize)) }
                return TextWindows(spreadOver: tokens, blockSize: c.blockSize, limit: count)
            })
    }

    /// Timed steps per measurement for `steps` asked on the command line (at least 10).
    public func benchSteps(_ steps: Int) -> Int { max(10, Int((Double(steps) * benchStepsScale).rounded())) }

    /// The workloads by name, at the sizes of the benchmark.
    public static var all: [ScalingWorkload] { [largeMLP(), smallMLP(), gpt(), resnet()] }

    /// The same workloads at a size that runs in seconds, to check that the benchmark runs.
    public static var tiny: [ScalingWorkload] {
        [largeMLP(batchSize: 8), smallMLP(batchSize: 8),
         gpt(GPTConfiguration(vocabularySize: 16, blockSize: 8, layerCount: 1, headCount: 2, embeddingSize: 16), batchSize: 4),
         resnet(blockWidths: [4, 8], batchSize: 8)]
    }

    /// Cross-entropy on a network's logits, SGD with momentum 0.9.
    final class Classifier: Module, TrainingModule {
        let net: any Layer
        override var namedChildren: [(String, Module)] { [("net", net)] }
        init(_ net: any Layer) { self.net = net }

        func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
            crossEntropy(net(batch.inputs), targets: batch.labels)
        }

        func configureOptimizers() throws -> OptimizerConfiguration {
            OptimizerConfiguration(try SGD(parameters(), lr: 0.01, momentum: 0.9))
        }
    }

    /// Next-token cross-entropy on ``TextWindows`` batches, AdamW as the `gpt` task's.
    final class LanguageModel: Module, TrainingModule {
        let model: GPT
        override var namedChildren: [(String, Module)] { model.namedChildren }
        init(_ model: GPT) { self.model = model }

        func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
            let (rows, time) = (batch.inputs.shape[0], batch.inputs.shape[1])
            return model.loss(batch.inputs.scalars.map { Int($0) }, targets: batch.labels, batch: rows, time: time)
        }

        func configureOptimizers() throws -> OptimizerConfiguration {
            let groups = model.weightDecayGroups
            return OptimizerConfiguration(try AdamW(
                [ParamGroup(groups.decayed), ParamGroup(groups.undecayed, options: ["weight_decay": .number(0)])],
                lr: 1e-4, weightDecay: 0.1))
        }
    }
}
