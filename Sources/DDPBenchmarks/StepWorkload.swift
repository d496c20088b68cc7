import DDPNN
import DDPOptim
import DDPTensor

/// A training step timed in one process, ours and PyTorch's (`bench/pytorch_reference.py`
/// builds the same model, batch and optimizer under the same ``name``).
public struct StepWorkload: Sendable {
    /// The figure's name, also the workload's name in `bench/pytorch_reference.py`.
    public let name: String
    /// The model, batch and optimizer, for the report.
    public let summary: String
    /// Samples per step.
    public let batchSize: Int
    /// Steps per round are `--steps` times this (a round of any workload lasts about as long
    /// as one of MLP-L's).
    public let stepsPerRoundScale: Double
    /// The goal against PyTorch's steps per second.
    public let pytorchGoal: BenchmarkResult.Goal
    /// The goal of the step against the sgemm time inside it, where the project sets one.
    public let gemmGoal: BenchmarkResult.Goal?
    /// A fresh model, optimizer and batch (fixed seed), as a function that trains one step.
    public let makeStep: @Sendable () throws -> () throws -> Void

    public func stepsPerRound(steps: Int) -> Int { max(1, Int((Double(steps) * stepsPerRoundScale).rounded())) }

    /// Every workload, in the order of the report.
    public static let all: [StepWorkload] = [largeMLP, smallMLP, ganMLP, cnn, resnet, gpt]

    /// MLP-L: 784-1024-1024-10, batch 128, SGD momentum 0.9.
    public static let largeMLP = StepWorkload(
        name: "mlp-l", summary: "MLP 784-1024-1024-10, batch 128, SGD momentum", batchSize: 128, stepsPerRoundScale: 1,
        pytorchGoal: .atLeast(1.15), gemmGoal: .atMost(1.10),
        makeStep: { try classifierStep(multilayerPerceptron([784, 1024, 1024, 10], seed: 0), input: [128, 784]) })

    /// MLP-S: 64-256-256-10, batch 64, SGD momentum 0.9.
    public static let smallMLP = StepWorkload(
        name: "mlp-s", summary: "MLP 64-256-256-10, batch 64, SGD momentum", batchSize: 64, stepsPerRoundScale: 10,
        pytorchGoal: .atLeast(2.5), gemmGoal: nil,
        makeStep: { try classifierStep(multilayerPerceptron([64, 256, 256, 10], seed: 0), input: [64, 64]) })

    /// CNN: conv(1→32, 3x3) relu conv(32→64, 3x3) relu maxpool 2 fc(9216→10) on 28x28,
    /// batch 64, SGD momentum 0.9.
    public static let cnn = StepWorkload(
        name: "cnn", summary: "CNN conv 1-32 3x3, conv 32-64 3x3, maxpool 2, fc 9216-10 on 28x28, batch 64, SGD momentum",
        batchSize: 64, stepsPerRoundScale: 1.0 / 6, pytorchGoal: .atLeast(1.2), gemmGoal: nil,
        makeStep: {
            var generator = RandomGenerator(seed: 0)
            let net = Sequential(
                Conv2d(1, 32, kernelSize: 3, using: &generator), ReLU(), Conv2d(32, 64, kernelSize: 3, using: &generator), ReLU(),
                MaxPool2d(kernelSize: (2, 2)), Flatten(), Linear(9216, 10, using: &generator))
            return try classifierStep(net, input: [64, 1, 28, 28])
        })

    /// `--model resnet`'s residual CNN (widths 16, 32, 64), batch 64 of 28x28, SGD momentum 0.9.
    public static let resnet = StepWorkload(
        name: "resnet", summary: "ResNet 16,32,64 (77,754 parameters), batch 64 of 28x28, SGD momentum",
        batchSize: ResNetStepBenchmark.batchSize, stepsPerRoundScale: 1.0 / 6, pytorchGoal: .atLeast(1.0), gemmGoal: nil,
        makeStep: {
            var generator = RandomGenerator(seed: 0)
            let net = ResNet(inChannels: 1, blockWidths: ResNetStepBenchmark.blockWidths, classes: 10, using: &generator)
            return try classifierStep(net, input: [ResNetStepBenchmark.batchSize, 1, 28, 28])
        })

    /// GAN-MLP: G 100-256-512-784 (ReLU, tanh out), D 784-512-256-1 (LeakyReLU 0.2), batch
    /// 64, an Adam each (lr 2e-4, betas 0.5, 0.999); per step one D update on real and fake
    /// and one G update.
    public static let ganMLP = StepWorkload(
        name: "gan-mlp", summary: "GAN G 100-256-512-784, D 784-512-256-1, batch 64, two Adams (D on real and fake, then G)",
        batchSize: 64, stepsPerRoundScale: 2, pytorchGoal: .atLeast(1.3), gemmGoal: nil,
        makeStep: {
            var generator = RandomGenerator(seed: 0)
            let g = Sequential(Linear(100, 256, using: &generator), ReLU(), Linear(256, 512, using: &generator), ReLU(),
                               Linear(512, 784, using: &generator), Tanh())
            let d = Sequential(Linear(784, 512, using: &generator), LeakyReLU(negativeSlope: 0.2),
                               Linear(512, 256, using: &generator), LeakyReLU(negativeSlope: 0.2), Linear(256, 1, using: &generator))
            let optimizerG = try Adam(g.parameters(), lr: 2e-4, betas: (0.5, 0.999))
            let optimizerD = try Adam(d.parameters(), lr: 2e-4, betas: (0.5, 0.999))
            let real = Tensor.uniform([64, 784], low: -1, high: 1, using: &generator)
            let noise = Tensor.randn([64, 100], using: &generator)
            let ones = Tensor.ones([64, 1]), zeros = Tensor.zeros([64, 1])
            let step = {
                let fake = g(noise)
                optimizerD.zeroGrad()
                let dLoss = binaryCrossEntropyWithLogits(d(real), targets: ones)
                    + binaryCrossEntropyWithLogits(d(fake.detached()), targets: zeros)
                dLoss.backward()
                try optimizerD.step()
                optimizerG.zeroGrad()
                binaryCrossEntropyWithLogits(d(fake), targets: ones).backward()
                try optimizerG.step()
            }
            for _ in 0..<3 { try step() }
            return step
        })

    /// One GPT step (forward, backward, AdamW with decay on matrices) at the size of ``GPTStepBenchmark``.
    public static let gpt = StepWorkload(
        name: "gpt",
        summary: "GPT 4 layers, 4 heads, 256 wide, context 128, batch 16 (tokens/s = samples/s x 128), AdamW",
        batchSize: GPTStepBenchmark.batch, stepsPerRoundScale: 1.0 / 20, pytorchGoal: .atLeast(1.2), gemmGoal: nil,
        makeStep: {
            let configuration = GPTStepBenchmark.configuration, batch = GPTStepBenchmark.batch
            var generator = RandomGenerator(seed: 0)
            let model = GPT(configuration, using: &generator)
            let groups = model.weightDecayGroups
            let optimizer = try AdamW([ParamGroup(groups.decayed), ParamGroup(groups.undecayed, options: ["weight_decay": .number(0)])],
                                      lr: 1e-4, weightDecay: 0.1)
            let count = batch * configuration.blockSize
            let tokens = (0..<count).map { _ in Int(generator.next() % UInt64(configuration.vocabularySize)) }
            let targets = (0..<count).map { _ in Int(generator.next() % UInt64(configuration.vocabularySize)) }
            let step = {
                optimizer.zeroGrad()
                model.loss(tokens, targets: targets, batch: batch, time: configuration.blockSize).backward()
                try optimizer.step()
            }
            for _ in 0..<3 { try step() }
            return step
        })

    /// Zero grad, forward, cross-entropy on labels `i % 10`, backward and SGD (lr 0.01,
    /// momentum 0.9) on a fixed random batch of `input`'s shape; after three warm-up steps.
    private static func classifierStep(_ net: any Layer, input shape: [Int]) throws -> () throws -> Void {
        var generator = RandomGenerator(seed: 1)
        let input = Tensor.randn(shape, using: &generator)
        let labels = (0..<shape[0]).map { $0 % 10 }
        let optimizer = try SGD(net.parameters(), lr: 0.01, momentum: 0.9)
        let step = {
            optimizer.zeroGrad()
            crossEntropy(net(input), targets: labels).backward()
            try optimizer.step()
        }
        for _ in 0..<3 { try step() }
        return step
    }
}
