import DDPTensor
import Foundation

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
    /// NAdam's hyper-parameters; the initialiser's defaults are torch's.
    public struct Options: OptimizerOptions {
        public var lr: Double
        public var betas: (Double, Double)
        public var eps: Double
        public var weightDecay: Double
        public var momentumDecay: Double
        public var decoupledWeightDecay: Bool
        public var maximize: Bool

        public init(lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                    weightDecay: Double = 0, momentumDecay: Double = 4e-3, decoupledWeightDecay: Bool = false,
                    maximize: Bool = false) {
            self.lr = lr
            self.betas = betas
            self.eps = eps
            self.weightDecay = weightDecay
            self.momentumDecay = momentumDecay
            self.decoupledWeightDecay = decoupledWeightDecay
            self.maximize = maximize
        }

        public init(_ group: ParamGroup) {
            self.init(lr: group.lr, betas: group.betas, eps: group.number("eps"), weightDecay: group.weightDecay,
                      momentumDecay: group.number("momentum_decay"),
                      decoupledWeightDecay: group.flag("decoupled_weight_decay"), maximize: group.flag("maximize"))
        }

        public var hyperParameters: [String: HyperParameter] {
            ["lr": .number(lr), "betas": .numbers([betas.0, betas.1]), "eps": .number(eps),
             "weight_decay": .number(weightDecay), "momentum_decay": .number(momentumDecay),
             "decoupled_weight_decay": .flag(decoupledWeightDecay), "maximize": .flag(maximize)]
        }
    }

    public var storage: OptimizerStorage

    public init<P: ParameterGroupConvertible>(_ parameters: [P], options: Options) throws {
        storage = OptimizerStorage(defaults: options)
        try addInitialGroups(P.paramGroups(from: parameters))
    }

    public convenience init<P: ParameterGroupConvertible>(
        _ parameters: [P], lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
        weightDecay: Double = 0, momentumDecay: Double = 4e-3, decoupledWeightDecay: Bool = false, maximize: Bool = false
    ) throws {
        try self.init(parameters, options: Options(lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                                                   momentumDecay: momentumDecay,
                                                   decoupledWeightDecay: decoupledWeightDecay, maximize: maximize))
    }

    public func validate(_ options: [String: HyperParameter]) throws {
        try validateLearningRate(options)
        try validateAdamFamily(options, optimizer: "NAdam")
        let psi = Options(ParamGroup([], options: options)).momentumDecay
        try OptimizerError.require(psi >= 0, "NAdam: invalid momentum_decay \(psi): use momentum_decay >= 0")
    }

    public func update(_ parameter: Tensor, gradient: Tensor, state: inout ParameterState, group: ParamGroup) throws {
        let options = Options(group)
        let (beta1, beta2) = options.betas
        let lr = options.lr, psi = options.momentumDecay
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
        let moments = MomentUpdate(lr: lr, betas: options.betas, weightDecay: options.weightDecay,
                                   decoupledWeightDecay: options.decoupledWeightDecay, maximize: options.maximize)
        let eps = Float(options.eps)
        let p = parameter.data, g = gradient.data
        for i in 0..<parameter.count {
            let (x, d, mi, vi) = moments(parameter: p[i], gradient: g[i], average: m[i], square: v[i])
            m[i] = mi; v[i] = vi
            let denominator = sqrtOfNonNegative(vi / correction2) + eps
            let y = x + gradScale * (d / denominator)
            p[i] = y + averageScale * (mi / denominator)
        }
    }
}
