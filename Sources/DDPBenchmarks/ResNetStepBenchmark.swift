import DDPNN
import DDPOptim
import DDPTensor

/// The train step of `--model resnet` (zero grad, forward in training mode, cross-entropy,
/// backward, SGD with momentum 0.9) on 64 random 28x28 grey images, as
/// `bench/pytorch_resnet.py` measures PyTorch's.
public enum ResNetStepBenchmark {
    public static let blockWidths = [16, 32, 64]
    public static let batchSize = 64
    /// The key of PyTorch's figure in `bench/pytorch_resnet.py`'s output.
    public static let pytorchKey = "resnet-16-32-64/64"

    /// Median step seconds and the median share of it inside sgemm.
    public static func run(steps: Int) throws -> (stepSeconds: Double, gemmSeconds: Double) {
        var generator = RandomGenerator(seed: 0)
        let model = ResNet(inChannels: 1, blockWidths: blockWidths, classes: 10, using: &generator)
        let optimizer = try SGD(model.parameters(), lr: 0.01, momentum: 0.9)
        let images = Tensor.randn([batchSize, 1, 28, 28], using: &generator)
        let labels = (0..<batchSize).map { $0 % 10 }
        func step() throws {
            optimizer.zeroGrad()
            crossEntropy(model(images), targets: labels).backward()
            try optimizer.step()
        }
        for _ in 0..<3 { try step() }
        var stepTimes: [Double] = [], gemmTimes: [Double] = []
        for _ in 0..<steps {
            let profile = BLAS.Profile()
            let start = MonotonicClock.seconds()
            try profile.measure { try step() }
            stepTimes.append(MonotonicClock.seconds() - start)
            gemmTimes.append(profile.seconds)
        }
        return (Measurement.median(stepTimes), Measurement.median(gemmTimes))
    }

    /// The figures as text; `pytorch` holds PyTorch's median step seconds from the same run.
    public static func report(steps: Int, pytorch: [String: Double] = [:]) throws -> String {
        let (step, gemm) = try run(steps: steps)
        var lines = ["threads: OpenBLAS \(BLAS.threadCount)",
                     "ResNet \(blockWidths.map(String.init).joined(separator: ",")) (77,754 parameters), batch \(batchSize) of 28x28: "
                        + "step \(Measurement.format(step * 1000, digits: 1)) ms, \(Int(Double(batchSize) / step)) images/s; "
                        + "sgemm \(Measurement.format(100 * gemm / step, digits: 0))% of the step"]
        if let torch = pytorch[pytorchKey] {
            lines.append("  PyTorch eager (oneDNN), same run: \(Measurement.format(torch * 1000, digits: 1)) ms; "
                + "ours is \(Measurement.format(torch / step))x its steps/s (goal >= 1x)")
        }
        return lines.joined(separator: "\n")
    }
}
