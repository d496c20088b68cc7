import DDPOptim
import Foundation
import DDPTensor
import Testing

/// Adam's and SGD-momentum's element loops (C, eight floats per instruction where the
/// machine has AVX2) against the update rules of torch.optim evaluated in Double, element by
/// element, over lengths that leave a remainder after the vector blocks and at addresses
/// that are not vector-aligned.
@Suite struct VectorKernelTests {
    /// Three steps with fresh gradients; parameter and moments to a relative 1e-5 (a few
    /// Float roundings per step against none; see ``expectClose(_:_:_:)``).
    @Test(arguments: [
        (weightDecay: 0.0, decoupled: false, maximize: false),
        (weightDecay: 0.1, decoupled: false, maximize: true),
        (weightDecay: 0.1, decoupled: true, maximize: false),
    ])
    func adamMatchesTheRuleInDouble(_ options: (weightDecay: Double, decoupled: Bool, maximize: Bool)) throws {
        let (lr, beta1, beta2, eps) = (1e-2, 0.9, 0.999, 1e-8)
        for count in [1, 7, 8, 1003] {
            var generator = RandomGenerator(seed: UInt64(count))
            let parameter = Self.unalignedLeaf(Tensor.randn([count], using: &generator))
            let adam = try Adam([parameter], lr: lr, betas: (beta1, beta2), eps: eps, weightDecay: options.weightDecay,
                                maximize: options.maximize, decoupledWeightDecay: options.decoupled)
            var p = parameter.scalars.map(Double.init)
            var m = [Double](repeating: 0, count: count), v = m
            for step in 1...3 {
                parameter.grad = Tensor.randn([count], using: &generator)
                let g = parameter.grad!.scalars.map(Double.init)
                try adam.step()
                let stepSize = lr / (1 - pow(beta1, Double(step)))
                let correction2Root = (1 - pow(beta2, Double(step))).squareRoot()
                for i in 0..<count {
                    let x = options.decoupled ? p[i] * (1 - lr * options.weightDecay) : p[i]
                    let d = (options.maximize ? -g[i] : g[i]) + (options.decoupled ? 0 : options.weightDecay * x)
                    m[i] += (1 - beta1) * (d - m[i])
                    v[i] = beta2 * v[i] + (1 - beta2) * d * d
                    p[i] = x - stepSize * m[i] / (v[i].squareRoot() / correction2Root + eps)
                }
            }
            let state = try #require(adam.state[ObjectIdentifier(parameter)])
            Self.expectClose(parameter.scalars, p, "parameter, \(count) elements, \(options)")
            Self.expectClose(try #require(state.tensor("exp_avg")).scalars, m, "exp_avg, \(count) elements, \(options)")
            Self.expectClose(try #require(state.tensor("exp_avg_sq")).scalars, v, "exp_avg_sq, \(count) elements, \(options)")
        }
    }

    @Test(arguments: [
        (nesterov: false, dampening: 0.0, weightDecay: 0.0, maximize: false),
        (nesterov: false, dampening: 0.5, weightDecay: 0.01, maximize: true),
        (nesterov: true, dampening: 0.0, weightDecay: 0.01, maximize: false),
    ])
    func sgdMomentumMatchesTheRuleInDouble(_ options: (nesterov: Bool, dampening: Double, weightDecay: Double, maximize: Bool)) throws {
        let (lr, momentum) = (0.05, 0.9)
        for count in [1, 7, 8, 1003] {
            var generator = RandomGenerator(seed: UInt64(100 + count))
            let parameter = Self.unalignedLeaf(Tensor.randn([count], using: &generator))
            let sgd = try SGD([parameter], lr: lr, momentum: momentum, dampening: options.dampening,
                              weightDecay: options.weightDecay, nesterov: options.nesterov, maximize: options.maximize)
            var p = parameter.scalars.map(Double.init)
            var b = [Double](repeating: 0, count: count)
            for step in 1...3 {
                parameter.grad = Tensor.randn([count], using: &generator)
                let g = parameter.grad!.scalars.map(Double.init)
                try sgd.step()
                for i in 0..<count {
                    let d = (options.maximize ? -g[i] : g[i]) + options.weightDecay * p[i]
                    b[i] = step == 1 ? d : momentum * b[i] + (1 - options.dampening) * d
                    p[i] -= lr * (options.nesterov ? d + momentum * b[i] : b[i])
                }
            }
            let state = try #require(sgd.state[ObjectIdentifier(parameter)])
            Self.expectClose(parameter.scalars, p, "parameter, \(count) elements, \(options)")
            Self.expectClose(try #require(state.tensor("momentum_buffer")).scalars, b, "momentum_buffer, \(count) elements, \(options)")
        }
    }

    /// A leaf holding `values` one float into its storage, so that no element sits on a
    /// vector boundary.
    static func unalignedLeaf(_ values: Tensor) -> Tensor {
        let storage = TensorStorage(count: values.count + 1)
        let leaf = Tensor(shape: values.shape, storage: storage, offset: 1, requiresGrad: true)
        leaf.assign(values)
        return leaf
    }

    /// Within a relative 1e-5, or 1e-7 of elements near zero (a Float's rounding of values near 1).
    static func expectClose(_ actual: [Float], _ expected: [Double], _ what: String) {
        let far = zip(actual, expected).enumerated().filter { abs(Double($0.element.0) - $0.element.1) > 1e-5 * abs($0.element.1) + 1e-7 }
        #expect(far.isEmpty, "\(what): \(far.count) elements off, first \(far.first.map { "\($0.offset): \($0.element)" } ?? "")")
    }
}
