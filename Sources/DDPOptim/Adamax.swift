import DDPTensor
import Foundation

/// Adamax, Adam's infinity-norm variant (Kingma & Ba, 2015, section 7.1), as `torch.optim.Adamax`:
///
///     g ← ±∇p + λ·p,   m ← β₁·m + (1 − β₁)·g,   u ← max(β₂·u, |g| + ε)
///     p ← p − lr/(1 − β₁ᵗ) · m / u
///
/// Options: `lr` (2e-3), `betas` ((0.9, 0.999)), `eps` (1e-8), `weight_decay` (0),
/// `maximize` (false). State: `step`, `exp_avg`, `exp_inf`.
public final class Adamax: Optimizer {
    /// Adamax's hyper-parameters; the initialiser's defaults are torch's.
    public struct Options: OptimizerOptions {
        public var lr: Double
        public var betas: (Double, Double)
        public var eps: Double
        public var weightDecay: Double
        public var maximize: Bool

        public init(lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                    weightDecay: Double = 0, maximize: Bool = false) {
            self.lr = lr
            self.betas = betas
            self.eps = eps
            self.weightDecay = weightDecay
            self.maximize = maximize
        }

        public init(_ group: ParamGroup) {
            self.init(lr: group.lr, betas: group.betas, eps: group.number("eps"), weightDecay: group.weightDecay,
                      maximize: group.flag("maximize"))
        }

        public var hyperParameters: [String: HyperParameter] {
            ["lr": .number(lr), "betas": .numbers([betas.0, betas.1]), "eps": .number(eps),
             "weight_decay": .number(weightDecay), "maximize": .flag(maximize)]
        }
    }

    public var storage: OptimizerStorage

    public init<P: ParameterGroupConvertible>(_ parameters: [P], options: Options) throws {
        storage = OptimizerStorage(defaults: options)
        try addInitialGroups(P.paramGroups(from: parameters))
    }

    public convenience init<P: ParameterGroupConvertible>(
        _ parameters: [P], lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
        weightDecay: Double = 0, maximize: Bool = false
    ) throws {
        try self.init(parameters, options: Options(lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                                                   maximize: maximize))
    }

    public func validate(_ options: [String: HyperParameter]) throws {
        try validateLearningRate(options)
        try validateAdamFamily(options, optimizer: "Adamax")
    }

    public func update(_ parameter: Tensor, gradient: Tensor, state: inout ParameterState, group: ParamGroup) throws {
        let options = Options(group)
        let (beta1, beta2) = options.betas
        let step = state.advanceStep()
        let m = state.buffer("exp_avg", like: parameter).data
        let u = state.buffer("exp_inf", like: parameter).data
        let clr = Float(options.lr / (1 - pow(beta1, step)))
        let b1 = Float(1 - beta1), b2 = Float(beta2), eps = Float(options.eps), decay = Float(options.weightDecay)
        let sign: Float = options.maximize ? -1 : 1
        let p = parameter.data, g = gradient.data
        for i in 0..<parameter.count {
            let d = sign * g[i] + decay * p[i]
            let mi = m[i] + b1 * (d - m[i])
            let ui = max(u[i] * b2, abs(d) + eps)
            m[i] = mi; u[i] = ui
            p[i] = p[i] - clr * (mi / ui)
        }
    }
}
