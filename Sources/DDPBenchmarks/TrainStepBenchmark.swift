import DDPNN
import DDPTensor

/// A multilayer perceptron train step (zero grad, forward, cross-entropy, backward, SGD with
/// momentum 0.9), measured as PyTorch's reference figures were measured.
public struct TrainStepBenchmark {
    public let layerSizes: [Int]
    public let batchSize: Int

    public init(layerSizes: [Int], batchSize: Int) {
        precondition(layerSizes.count >= 2 && batchSize > 0, "a benchmark MLP needs an input and an output size")
        self.layerSizes = layerSizes
        self.batchSize = batchSize
    }

    /// Median step time, median time inside sgemm during a step, and memory after `steps`.
    public struct Result {
        public let stepSeconds: Double
        public let gemmSeconds: Double
        public let gemmCallsPerStep: Int
        public let gflops: Double
        public let residentBytesEarly: Int
        public let residentBytesLate: Int
    }

    public func run(steps: Int = 60) -> Result {
        var generator = RandomGenerator(seed: 0)
        var layers: [any Layer] = []
        for i in 0..<(layerSizes.count - 1) {
            layers.append(Linear(layerSizes[i], layerSizes[i + 1], using: &generator))
            if i < layerSizes.count - 2 { layers.append(ReLU()) }
        }
        let model = Sequential(layers)
        let parameters = model.parameters()
        let velocities = parameters.map { Tensor.zeros($0.shape) }
        let input = Tensor.randn([batchSize, layerSizes[0]], using: &generator)
        let classes = layerSizes.last!
        let targets = (0..<batchSize).map { $0 % classes }

        func step() {
            for p in parameters { p.grad = nil }
            let loss = crossEntropy(model(input), targets: targets)
            loss.backward()
            for (p, v) in zip(parameters, velocities) {
                guard let g = p.grad else { continue }
                let pd = p.data, gd = g.data, vd = v.data
                for i in 0..<p.count {
                    vd[i] = 0.9 * vd[i] + gd[i]
                    pd[i] -= 0.01 * vd[i]
                }
            }
        }

        for _ in 0..<5 { step() }
        let early = Measurement.residentBytes()
        var stepTimes: [Double] = [], gemmTimes: [Double] = []
        var calls = 0, flops = 0.0
        for _ in 0..<steps {
            let profile = BLAS.Profile()
            let start = MonotonicClock.seconds()
            profile.measure { step() }
            stepTimes.append(MonotonicClock.seconds() - start)
            gemmTimes.append(profile.seconds)
            calls = profile.calls
            flops = profile.flops
        }
        let late = Measurement.residentBytes()
        let gemm = Measurement.median(gemmTimes)
        return Result(stepSeconds: Measurement.median(stepTimes), gemmSeconds: gemm,
                      gemmCallsPerStep: calls, gflops: flops / gemm / 1e9,
                      residentBytesEarly: early, residentBytesLate: late)
    }
}

/// The figures of the core's speed goals, as text.
public enum CoreBenchmarks {
    /// PyTorch's median step on the small MLP on this kind of machine (reference/PERF.md).
    public static let pytorchSmallMLPStepSeconds = 1.33e-3

    /// - Parameter pytorch: PyTorch's median step seconds by `"<sizes>/<batch>"`, measured
    ///   in the same run (`bench/pytorch_mlp.py`); the recorded figure is used without it.
    public static func report(steps: Int = 60, pytorch: [String: Double] = [:]) -> String {
        var lines: [String] = ["threads: OpenBLAS \(BLAS.threadCount)"]
        let large = TrainStepBenchmark(layerSizes: [784, 1024, 1024, 10], batchSize: 128).run(steps: steps)
        lines.append("MLP 784-1024-1024-10, batch 128: step \(ms(large.stepSeconds)) ms, "
            + "sgemm \(ms(large.gemmSeconds)) ms in \(large.gemmCallsPerStep) calls "
            + "(\(Measurement.format(large.gflops, digits: 1)) GFLOP/s)")
        lines.append("  step / sgemm time = \(Measurement.format(large.stepSeconds / large.gemmSeconds, digits: 3))x (goal <= 1.15x)")
        if let torch = pytorch["784-1024-1024-10/128"] {
            lines.append("  PyTorch eager, same run: \(ms(torch)) ms; ours is \(Measurement.format(torch / large.stepSeconds))x its steps/s")
        }
        let small = TrainStepBenchmark(layerSizes: [64, 256, 256, 10], batchSize: 64).run(steps: steps * 10)
        lines.append("MLP 64-256-256-10, batch 64: step \(ms(small.stepSeconds)) ms, "
            + "\(Int(1 / small.stepSeconds)) steps/s; sgemm \(ms(small.gemmSeconds)) ms")
        let torchSmall = pytorch["64-256-256-10/64"]
        let source = torchSmall == nil ? "recorded in reference/PERF.md" : "same run"
        let torchStep = torchSmall ?? pytorchSmallMLPStepSeconds
        lines.append("  PyTorch eager (\(source)) \(ms(torchStep)) ms: "
            + "ours is \(Measurement.format(torchStep / small.stepSeconds))x its steps/s (goal >= 2x)")
        let growth = Double(small.residentBytesLate - small.residentBytesEarly) / 1_048_576
        lines.append("  resident memory after 5 steps \(mib(small.residentBytesEarly)) MiB, after \(steps * 10 + 5): "
            + "\(mib(small.residentBytesLate)) MiB (growth \(Measurement.format(growth)) MiB)")
        return lines.joined(separator: "\n")
    }

    private static func ms(_ seconds: Double) -> String { Measurement.format(seconds * 1000, digits: 3) }
    private static func mib(_ bytes: Int) -> String { Measurement.format(Double(bytes) / 1_048_576, digits: 1) }
}
