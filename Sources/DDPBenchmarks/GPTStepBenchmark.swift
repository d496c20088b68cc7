import DDPNN
import DDPOptim
import DDPTensor

/// One training step of a GPT (forward, backward, AdamW) at a stated size, timed on this
/// process's BLAS threads, with the share of the time spent in sgemm.
public enum GPTStepBenchmark {
    /// 4 layers, 4 heads, 256 wide, context 128, batch 16, 65 characters.
    public static let configuration = GPTConfiguration(
        vocabularySize: 65, blockSize: 128, layerCount: 4, headCount: 4, embeddingSize: 256)
    public static let batch = 16

    public struct Result {
        /// Median seconds per step.
        public var seconds: Double
        /// Share of the step spent in sgemm.
        public var gemmShare: Double
        /// Sustained sgemm speed in GFLOP/s.
        public var gemmGFLOPS: Double
        public var parameterCount: Int
    }

    /// Times `steps` training steps after three untimed ones.
    public static func measure(steps: Int) throws -> Result {
        var generator = RandomGenerator(seed: 0)
        let model = GPT(configuration, using: &generator)
        let groups = model.weightDecayGroups
        let optimizer = try AdamW([ParamGroup(groups.decayed), ParamGroup(groups.undecayed, options: ["weight_decay": .number(0)])],
                                  lr: 1e-4, weightDecay: 0.1)
        let time = configuration.blockSize, count = batch * time
        let tokens = (0..<count).map { _ in Int(generator.next() % UInt64(configuration.vocabularySize)) }
        let targets = (0..<count).map { _ in Int(generator.next() % UInt64(configuration.vocabularySize)) }
        func step() {
            optimizer.zeroGrad()
            model.loss(tokens, targets: targets, batch: batch, time: time).backward()
            try? optimizer.step()
        }
        for _ in 0..<3 { step() }
        let profile = BLAS.Profile()
        let started = MonotonicClock.seconds()
        let times = profile.measure { Measurement.time(warmup: 0, repeats: steps, step) }
        let total = MonotonicClock.seconds() - started
        return Result(seconds: Measurement.median(times), gemmShare: profile.seconds / total,
                      gemmGFLOPS: profile.flops / profile.seconds / 1e9, parameterCount: model.parameterCount)
    }

    /// The report's lines, with PyTorch's median step time (seconds) when measured.
    public static func report(steps: Int, pytorchSeconds: Double?) throws -> String {
        let result = try measure(steps: steps)
        let c = configuration
        var lines = [
            "GPT step (\(c.layerCount) layers, \(c.headCount) heads, \(c.embeddingSize) wide, context \(c.blockSize), batch \(batch), "
                + "\(result.parameterCount) parameters; forward, backward, AdamW) on \(BLAS.threadCount) BLAS thread(s):",
            "  swift-ddp: \(Measurement.format(result.seconds * 1000, digits: 1)) ms/step, "
                + "\(Measurement.format(Double(batch * c.blockSize) / result.seconds, digits: 0)) tokens/s; "
                + "sgemm \(Measurement.format(result.gemmShare * 100, digits: 1))% of the time at "
                + "\(Measurement.format(result.gemmGFLOPS, digits: 1)) GFLOP/s, the rest (attention softmax, "
                + "LayerNorm, GELU, embeddings, loss, AdamW) \(Measurement.format((1 - result.gemmShare) * 100, digits: 1))%",
        ]
        if let pytorchSeconds {
            lines.append("  PyTorch:   \(Measurement.format(pytorchSeconds * 1000, digits: 1)) ms/step; "
                         + "swift-ddp is \(Measurement.format(pytorchSeconds / result.seconds))x PyTorch's speed (goal: 1.2x on 1 thread)")
        }
        return lines.joined(separator: "\n")
    }
}
