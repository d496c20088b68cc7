import Foundation
import DDPBenchmarks
import DDPOptim
import DDPTestSupport
import DDPTensor
import Testing

/// The custom optimizer of Lightning's "customizing optimizers" guide: p ← p − lr·∇p,
/// written as the `Optimizer` documentation shows.
final class PlainGradientDescent: Optimizer {
    var storage: OptimizerStorage

    init(_ parameters: [Tensor], lr: Double = 1e-3) throws {
        storage = OptimizerStorage(defaults: ["lr": .number(lr)])
        try addInitialGroups(Tensor.paramGroups(from: parameters))
    }

    func update(_ parameter: Tensor, gradient: Tensor, state: inout ParameterState, group: ParamGroup) throws {
        let lr = Float(group.lr), p = parameter.data, g = gradient.data
        for i in 0..<parameter.count { p[i] -= lr * g[i] }
    }
}

@Suite struct CustomOptimizerTests {
    /// Trains `nn.Linear(10, 1)` with MSE on a fixed batch, as the guide's example does.
    @Test func plainGradientDescentTrainsALinearModel() throws {
        var generator = RandomGenerator(seed: 3)
        let x = Tensor.randn([32, 10], using: &generator)
        let y = Tensor.randn([32, 1], using: &generator)
        let weight = Tensor.randn([1, 10], std: 0.3, using: &generator)
        let bias = Tensor.zeros([1])
        weight.requiresGrad = true
        bias.requiresGrad = true
        let optimizer = try PlainGradientDescent([weight, bias], lr: 1e-2)
        #expect(optimizer.typeName == "PlainGradientDescent")

        func loss() -> Tensor {
            let residual = Tensor.linear(x, weight: weight, bias: bias) - y
            return (residual * residual).mean()
        }
        // One step is exactly p − lr·grad.
        optimizer.zeroGrad()
        let initial = loss()
        initial.backward()
        let expected = zip(weight.scalars, weight.grad!.scalars).map { $0 - Float(1e-2) * $1 }
        try optimizer.step()
        #expect(weight.scalars == expected)   // the same Float expression as `update`

        var last = initial.item
        for _ in 0..<200 {
            let value = try optimizer.step {
                optimizer.zeroGrad()
                let value = loss()
                value.backward()
                return value.item
            }
            last = value!
        }
        #expect(last < 0.8 * initial.item, "loss went from \(initial.item) to \(last)")

        // Its state dict and scheduler support come from the protocol.
        let scheduler = try StepLR(optimizer, stepSize: 1, gamma: 0.5)
        try scheduler.step()
        #expect(isClose(optimizer.paramGroups[0].lr, to: 5e-3))
        #expect(optimizer.stateDict().paramGroups[0].params == [0, 1])
    }
}

@Suite struct BenchmarkSmokeTests {
    @Test func adamBenchmarkReportsFigures() {
        let report = runAdamBenchmark(parameterCount: 100_000, runs: 3)
        #expect(report.contains("Adam step") && report.contains("ratio step / pass"), "\(report)")
    }

    /// The real figures: `DDP_OPTIM_BENCHMARK=1 swift test -c release --filter adamBenchmarkTenMillion`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DDP_OPTIM_BENCHMARK"] != nil))
    func adamBenchmarkTenMillion() {
        print(runAdamBenchmark())
    }
}
