import DDPOptim
import DDPTensor

/// An optimizer step over many parameters against the memory floor: one fused pass that reads
/// and writes the same bytes (Adam reads parameter, gradient and both moments, and writes
/// parameter and both moments), so the ratio is the step's cost beyond moving its data.
public enum OptimizerStepBenchmark {
    public struct Result {
        public let parameterCount: Int
        public let stepSeconds: Double
        public let passSeconds: Double
        public var ratio: Double { stepSeconds / passSeconds }
    }

    /// Times `Adam.step()` over `parameterCount` parameters (in tensors of about a million)
    /// and the plain pass over the same buffers; medians of `repeats`, interleaved.
    public static func adam(parameterCount: Int = 10_000_000, repeats: Int = 15) throws -> Result {
        let chunk = 1 << 20
        let sizes = stride(from: 0, to: parameterCount, by: chunk).map { min(chunk, parameterCount - $0) }
        var generator = RandomGenerator(seed: 4)
        let parameters = sizes.map { Tensor.randn([$0], using: &generator, requiresGrad: true) }
        for parameter in parameters { parameter.grad = Tensor.randn(parameter.shape, using: &generator) }
        let adam = try Adam(parameters, lr: 1e-3)
        try adam.step()   // creates the moments

        // The floor: the same four reads and three writes per element, no arithmetic to speak of.
        let moments = parameters.map { _ in (Tensor.zeros([chunk]), Tensor.zeros([chunk])) }
        func pass() {
            for (index, parameter) in parameters.enumerated() {
                let p = parameter.data, g = parameter.grad!.data
                let m = moments[index].0.data, v = moments[index].1.data
                for i in 0..<parameter.count {
                    let mi = m[i] + g[i], vi = v[i] + p[i]
                    m[i] = mi; v[i] = vi; p[i] = mi - vi
                }
            }
        }
        var stepTimes: [Double] = [], passTimes: [Double] = []
        for _ in 0..<repeats {
            stepTimes += Measurement.time(warmup: 1, repeats: 1) { try! adam.step() }
            passTimes += Measurement.time(warmup: 1, repeats: 1, pass)
        }
        return Result(parameterCount: parameterCount, stepSeconds: Measurement.median(stepTimes),
                      passSeconds: Measurement.median(passTimes))
    }

    /// The figures in lines.
    public static func report(parameterCount: Int = 10_000_000) throws -> String {
        let result = try adam(parameterCount: parameterCount)
        func ms(_ seconds: Double) -> String { Measurement.format(seconds * 1000) }
        let gigabytes = Double(parameterCount * 7 * 4) / 1e9
        return "Adam step over \(parameterCount) parameters: \(ms(result.stepSeconds)) ms; "
            + "one pass reading and writing the same \(Measurement.format(gigabytes * 1000, digits: 0)) MB: "
            + "\(ms(result.passSeconds)) ms (\(Measurement.format(gigabytes / result.passSeconds, digits: 1)) GB/s)\n"
            + "  step / pass = \(Measurement.format(result.ratio))x (goal <= 2x)"
    }
}
