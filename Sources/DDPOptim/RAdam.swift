import DDPTensor
import Foundation

/// RAdam, rectified Adam (Liu et al., 2020, "On the Variance of the Adaptive Learning Rate
/// and Beyond"), as `torch.optim.RAdam`:
///
///     m ← β₁·m + (1 − β₁)·g,   v ← β₂·v + (1 − β₂)·g²,   m̂ ← m/(1 − β₁ᵗ)
///     ρ∞ = 2/(1 − β₂) − 1,   ρₜ = ρ∞ − 2t·β₂ᵗ/(1 − β₂ᵗ)
///     ρₜ > 5: p ← p − lr·m̂·r·√(1 − β₂ᵗ)/(√v + ε),  r = √((ρₜ−4)(ρₜ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρₜ))
///     otherwise: p ← p − lr·m̂
///
/// Options: `lr` (1e-3), `betas` ((0.9, 0.999)), `eps` (1e-8), `weight_decay` (0),
/// `decoupled_weight_decay` (false), `maximize` (false). State: `step`, `exp_avg`, `exp_avg_sq`.
public final class RAdam: Optimizer {
    /// RAdam's hyper-parameters; the initialiser's defaults are torch's.
    public struct Options: OptimizerOptions {
        public var lr: Double
        public var betas: (Double, Double)
        public var eps: Double
        public var weightDecay: Double
        public var decoupledWeightDecay: Bool
        public var maximize: Bool

        public init(lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                    weightDecay: Double = 0, decoupledWeightDecay: Bool = false, maximize: Bool = false) {
            self.lr = lr
            self.betas = betas
            self.eps = eps
            self.weightDecay = weightDecay
            self.decoupledWeightDecay = decoupledWeightDecay
            self.maximize = maximize
        }

        public init(_ group: ParamGroup) {
            self.init(lr: group.lr, betas: group.betas, eps: group.number("eps"), weightDecay: group.weightDecay,
                      decoupledWeightDecay: group.flag("decoupled_weight_decay"), maximize: group.flag("maximize"))
        }

        public var hyperParameters: [String: HyperParameter] {
            ["lr": .number(lr), "betas": .numbers([betas.0, betas.1]), "eps": .number(eps),
             "weight_decay": .number(weightDecay), "decoupled_weight_decay": .flag(decoupledWeightDecay),
             "maximize": .flag(maximize)]
        }
    }

    public var storage: OptimizerStorage

    public init<P: ParameterGroupConvertible>(_ parameters: [P], options: Options) throws {
        storage = OptimizerStorage(defaults: options)
        try addInitialGroups(P.paramGroups(from: parameters))
    }

    public convenience init<P: ParameterGroupConvertible>(
        _ parameters: [P], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
        weightDecay: Double = 0, decoupledWeightDecay: Bool = false, maximize: Bool = false
    ) throws {
        try self.init(parameters, options: Options(lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                                                   decoupledWeightDecay: decoupledWeightDecay, maximize: maximize))
    }

    public func validate(_ options: [String: HyperParameter]) throws {
        try validateLearningRate(options)
        try validateAdamFamily(options, optimizer: "RAdam")
    }

    public func update(_ parameter: Tensor, gradient: Tensor, state: inout ParameterState, group: ParamGroup) throws {
        let options = Options(group)
        let (beta1, beta2) = options.betas
        let step = state.advanceStep()
        let m = state.buffer("exp_avg", like: parameter).data
        let v = state.buffer("exp_avg_sq", like: parameter).data
        let correction1 = Float(1 - pow(beta1, step))
        let correction2 = 1 - pow(beta2, step)
        let rhoInfinity = 2 / (1 - beta2) - 1
        let rho = rhoInfinity - 2 * step * pow(beta2, step) / correction2
        let rectified = rho > 5
        let rectification = rectified
            ? ((rho - 4) * (rho - 2) * rhoInfinity / ((rhoInfinity - 4) * (rhoInfinity - 2) * rho)).squareRoot() : 0
        let lrF = Float(options.lr), rectF = Float(rectification), correction2Root = Float(correction2.squareRoot())
        let moments = MomentUpdate(lr: options.lr, betas: options.betas, weightDecay: options.weightDecay,
                                   decoupledWeightDecay: options.decoupledWeightDecay, maximize: options.maximize)
        let eps = Float(options.eps)
        let p = parameter.data, g = gradient.data
        for i in 0..<parameter.count {
            let (x, _, mi, vi) = moments(parameter: p[i], gradient: g[i], average: m[i], square: v[i])
            m[i] = mi; v[i] = vi
            let corrected = mi / correction1
            if rectified {
                let adaptive = correction2Root / (sqrtOfNonNegative(vi) + eps)
                p[i] = x - corrected * lrF * adaptive * rectF
            } else {
                p[i] = x - corrected * lrF
            }
        }
    }
}
