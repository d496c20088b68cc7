import DDPTensor

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// NAdam, Adam with Nesterov momentum (Dozat, 2016, "Incorporating Nesterov Momentum into
/// Adam"), with the momentum schedule μₜ = β₁(1 − ½·0.96^(t·ψ)), as `torch.optim.NAdam`:
///
///     g ← ±∇p + λ·p   (or p ← p·(1 − lr·λ) when decoupled)
///     m ← β₁·m + (1 − β₁)·g,   v ← β₂·v + (1 − β₂)·g²,   s ← √(v / (1 − β₂ᵗ)) + ε
///     p ← p − lr(1 − μₜ)/(1 − Πμ) · g/s − lr·μₜ₊₁/(1 − Πμ·μₜ₊₁) · m/s
///
/// Options: `lr` (2e-3), `betas` ((0.9, 0.999)), `eps` (1e-8), `weight_decay` (0),
/// `momentum_decay` ψ (4e-3), `decoupled_weight_decay` (false), `maximize` (false).
/// State: `step`, `mu_product`, `exp_avg`, `exp_avg_sq`.
public final class NAdam: Optimizer {
    public var paramGroups: [ParamGroup] = []
    public var state: [ObjectIdentifier: ParameterState] = [:]
    public let defaults: [String: HyperParameter]

    public init<P: ParameterGroupConvertible>(
        _ parameters: [P], lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
        weightDecay: Double = 0, momentumDecay: Double = 4e-3, decoupledWeightDecay: Bool = false, maximize: Bool = false
    ) throws {
        defaults = ["lr": .number(lr), "betas": .numbers([betas.0, betas.1]), "eps": .number(eps),
                    "weight_decay": .number(weightDecay), "momentum_decay": .number(momentumDecay),
                    "decoupled_weight_decay": .flag(decoupledWeightDecay), "maximize": .flag(maximize)]
        try addInitialGroups(P.paramGroups(from: parameters))
    }

    public func validate(_ options: [String: HyperParameter]) throws {
        try validateLearningRate(options)
        try validateAdamFamily(options, optimizer: "NAdam")
        let psi = ParamGroup([], options: options).number("momentum_decay")
        try OptimizerError.require(psi >= 0, "NAdam: invalid momentum_decay \(psi): use momentum_decay >= 0")
    }

    public func update(_ parameter: Tensor, gradient: Tensor, state: inout ParameterState, group: ParamGroup) throws {
        let (beta1, beta2) = group.betas
        let lr = group.lr, weightDecay = group.weightDecay, psi = group.number("momentum_decay")
        let decoupled = group.flag("decoupled_weight_decay")
        let product = state.scalarBuffer("mu_product", initialValue: 1)
        let step = state.advanceStep()
        let m = state.buffer("exp_avg", like: parameter).data
        let v = state.buffer("exp_avg_sq", like: parameter).data
        let correction2 = Float(1 - pow(beta2, step))
        let mu = beta1 * (1 - 0.5 * pow(0.96, step * psi))
        let muNext = beta1 * (1 - 0.5 * pow(0.96, (step + 1) * psi))
        // torch keeps mu_product as a float32 tensor; read back what it holds.
        product.data[0] *= Float(mu)
        let muProduct = Double(product.data[0])
        let gradScale = Float(-lr * (1 - mu) / (1 - muProduct))
        let averageScale = Float(-lr * muNext / (1 - muProduct * muNext))
        let shrink = Float(decoupled ? 1 - lr * weightDecay : 1), l2 = Float(decoupled ? 0 : weightDecay)
        let b1 = Float(1 - beta1), b2 = Float(beta2), c2 = Float(1 - beta2), eps = Float(group.number("eps"))
        let sign: Float = group.flag("maximize") ? -1 : 1
        let p = parameter.data, g = gradient.data
        for i in 0..<parameter.count {
            let x = p[i] * shrink
            let d = sign * g[i] + l2 * x
            let mi = m[i] + b1 * (d - m[i])
            let vi = v[i] * b2 + c2 * d * d
            m[i] = mi; v[i] = vi
            let denominator = sqrtOfNonNegative(vi / correction2) + eps
            let y = x + gradScale * (d / denominator)
            p[i] = y + averageScale * (mi / denominator)
        }
    }
}
