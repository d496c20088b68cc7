import DDPOptim
import DDPTensor
import Foundation

/// Times one Adam step over `parameterCount` Float32 parameters against the memory floor:
/// a single fused pass that reads param, grad, exp_avg and exp_avg_sq and writes param,
/// exp_avg and exp_avg_sq once each (the same bytes as the step, simpler arithmetic).
///
/// Returns the medians over several runs as text, with the ratio step / pass (target ≤ 2).
public func runAdamBenchmark(parameterCount: Int = 10_000_000, runs: Int = 7) -> String {
    var generator = RandomGenerator(seed: 42)
    let parameter = Tensor.randn([parameterCount], using: &generator)
    parameter.requiresGrad = true
    parameter.grad = Tensor.randn([parameterCount], using: &generator)
    guard let adam = try? Adam([parameter], lr: 1e-3) else { return "Adam could not be built" }
    _ = try? adam.step()  // creates the state outside the timing

    let m = Tensor.zeros([parameterCount]), v = Tensor.zeros([parameterCount])
    let p = parameter.data, g = parameter.grad!.data, mp = m.data, vp = v.data
    func pass() {
        for i in 0..<parameterCount {
            let gi = g[i]
            let mi = 0.9 * mp[i] + 0.1 * gi
            let vi = 0.999 * vp[i] + 0.001 * gi * gi
            mp[i] = mi; vp[i] = vi
            p[i] = p[i] - 1e-3 * (mi + vi)
        }
    }

    func median(_ body: () -> Void) -> Double {
        var times: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        return times.sorted()[runs / 2]
    }
    let stepTime = median { _ = try? adam.step() }
    let passTime = median(pass)
    let bytes = Double(parameterCount) * 4 * 7
    func rate(_ ms: Double) -> String { String(format: "%.1f GB/s", bytes / (ms / 1000) / 1e9) }
    return """
        Adam step, \(parameterCount) parameters: median \(String(format: "%.2f", stepTime)) ms (\(rate(stepTime)) of param/grad/state traffic)
        fused read-write pass over the same bytes: median \(String(format: "%.2f", passTime)) ms (\(rate(passTime)))
        ratio step / pass: \(String(format: "%.2f", stepTime / passTime)) (target <= 2), medians of \(runs) runs
        """
}
