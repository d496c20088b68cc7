import DDPOptim
import DDPTensor

/// An optimizer step over many parameters against the memory floor: one fused pass that reads
/// and writes the same bytes (Adam reads parameter, gradient and both moments, and writes
/// parameter and both moments), so the ratio is the step's cost beyond moving its data.
public enum OptimizerStepBenchmark {
    public struct Result {
        public let parameterCount: Int
        public let stepSeconds: [Double]
        public let passSeconds: [Double]
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
            stepTimes += try Measurement.time(warmup: 1, repeats: 1) { try adam.step() }
            passTimes += Measurement.time(warmup: 1, repeats: 1, pass)
        }
        return Result(parameterCount: parameterCount, stepSeconds: stepTimes, passSeconds: passTimes)
    }

    /// `adam-10m`: the step against the pass, as the median of the interleaved pairs' ratios.
    public static func result(parameterCount: Int = 10_000_000, repeats: Int = 15) throws -> BenchmarkResult {
        let result = try adam(parameterCount: parameterCount, repeats: repeats)
        let step = Measurement.median(result.stepSeconds), pass = Measurement.median(result.passSeconds)
        let bytes = Double(parameterCount * 7 * MemoryLayout<Float>.stride)
        return BenchmarkResult(
            name: "adam-10m", summary: "Adam step over \(parameterCount) Float32 parameters in tensors of 1M",
            medianMilliseconds: step * 1000,
            reference: "one pass reading parameter, gradient and both moments and writing parameter and moments",
            referenceMilliseconds: pass * 1000, pairedRatios: zip(result.stepSeconds, result.passSeconds).map { $0 / $1 },
            goal: .atMost(1.2), details: [("step_gb_per_s", bytes / step / 1e9), ("pass_gb_per_s", bytes / pass / 1e9)])
    }
}
