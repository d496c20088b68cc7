import CVectorKernels
import DDPTensor
import Foundation

/// Adam (Kingma & Ba, 2015, "Adam: A Method for Stochastic Optimization"), with AMSGrad
/// (Reddi et al., 2018) and decoupled weight decay (Loshchilov & Hutter, 2019), as
/// `torch.optim.Adam`:
///
///     g ← ±∇p + λ·p                      (L2, unless decoupled: p ← p·(1 − lr·λ))
///     m ← β₁·m + (1 − β₁)·g,   v ← β₂·v + (1 − β₂)·g²,   v̂ ← max(v̂, v) (AMSGrad)
///     p ← p − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// Options: `lr` (1e-3), `betas` ((0.9, 0.999)), `eps` (1e-8), `weight_decay` (0),
/// `amsgrad` (false), `maximize` (false), `decoupled_weight_decay` (false).
/// State: `step`, `exp_avg`, `exp_avg_sq`, `max_exp_avg_sq` (AMSGrad).
public class Adam: Optimizer {
    /// Adam's (and AdamW's) hyper-parameters; the initialiser's defaults are Adam's in torch.
    public struct Options: OptimizerOptions {
        public var lr: Double
        public var betas: (Double, Double)
        public var eps: Double
        public var weightDecay: Double
        public var amsgrad: Bool
        public var maximize: Bool
        public var decoupledWeightDecay: Bool

        public init(lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                    weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false,
                    decoupledWeightDecay: Bool = false) {
            self.lr = lr
            self.betas = betas
            self.eps = eps
            self.weightDecay = weightDecay
            self.amsgrad = amsgrad
            self.maximize = maximize
            self.decoupledWeightDecay = decoupledWeightDecay
        }

        public init(_ group: ParamGroup) {
            self.init(lr: group.lr, betas: group.betas, eps: group.number("eps"), weightDecay: group.weightDecay,
                      amsgrad: group.flag("amsgrad"), maximize: group.flag("maximize"),
                      decoupledWeightDecay: group.flag("decoupled_weight_decay"))
        }

        public var hyperParameters: [String: HyperParameter] {
            ["lr": .number(lr), "betas": .numbers([betas.0, betas.1]), "eps": .number(eps),
             "weight_decay": .number(weightDecay), "amsgrad": .flag(amsgrad), "maximize": .flag(maximize),
             "decoupled_weight_decay": .flag(decoupledWeightDecay)]
        }
    }

    public var storage: OptimizerStorage
    public var typeName: String { "Adam" }

    public init<P: ParameterGroupConvertible>(_ parameters: [P], options: Options) throws {
        storage = OptimizerStorage(defaults: options)
        try addInitialGroups(P.paramGroups(from: parameters))
    }

    public convenience init<P: ParameterGroupConvertible>(
        _ parameters: [P], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
        weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false, decoupledWeightDecay: Bool = false
    ) throws {
        try self.init(parameters, options: Options(lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                                                   amsgrad: amsgrad, maximize: maximize,
                                                   decoupledWeightDecay: decoupledWeightDecay))
    }

    public func validate(_ options: [String: HyperParameter]) throws {
        try validateLearningRate(options)
        try validateAdamFamily(options, optimizer: typeName)
    }

    public func update(_ parameter: Tensor, gradient: Tensor, state: inout ParameterState, group: ParamGroup) throws {
        let options = Options(group)
        let (beta1, beta2) = options.betas
        let step = state.advanceStep()
        let m = state.buffer("exp_avg", like: parameter).data
        let v = state.buffer("exp_avg_sq", like: parameter).data
        // Scalars in Double, as Python floats in torch; the element loop in Float.
        let stepSize = Float(options.lr / (1 - pow(beta1, step)))
        let correction2Root = Float((1 - pow(beta2, step)).squareRoot())
        let moments = MomentUpdate(lr: options.lr, betas: options.betas, weightDecay: options.weightDecay,
                                   decoupledWeightDecay: options.decoupledWeightDecay, maximize: options.maximize)
        let eps = Float(options.eps)
        let p = parameter.data, g = gradient.data, n = parameter.count
        if options.amsgrad {
            let vMax = state.buffer("max_exp_avg_sq", like: parameter).data
            for i in 0..<n {
                let (x, _, mi, vi) = moments(parameter: p[i], gradient: g[i], average: m[i], square: v[i])
                let peak = max(vMax[i], vi)
                m[i] = mi; v[i] = vi; vMax[i] = peak
                p[i] = x - stepSize * (mi / (sqrtOfNonNegative(peak) / correction2Root + eps))
            }
        } else {
            // The same arithmetic in C, vectorized for the widest instructions the machine has.
            let coefficients = swiftddp_adam_coefficients(
                shrink: moments.shrink, l2: moments.l2, sign: moments.sign, averageRate: moments.averageRate,
                squareKeep: moments.squareKeep, squareRate: moments.squareRate, stepSize: stepSize,
                correction2Root: correction2Root, eps: eps)
            swiftddp_adam_update(p, g, m, v, n, coefficients)
        }
    }
}

/// AdamW (Loshchilov & Hutter, 2019, "Decoupled Weight Decay Regularization"): Adam with
/// `p ← p·(1 − lr·λ)` before the update instead of L2 in the gradient, as `torch.optim.AdamW`
/// (default `weight_decay` 0.01).
public final class AdamW: Adam {
    public override var typeName: String { "AdamW" }

    /// AdamW with `options`, whose weight decay is always decoupled.
    public override init<P: ParameterGroupConvertible>(_ parameters: [P], options: Options) throws {
        var options = options
        options.decoupledWeightDecay = true
        try super.init(parameters, options: options)
    }

    public convenience init<P: ParameterGroupConvertible>(
        _ parameters: [P], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
        weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false
    ) throws {
        try self.init(parameters, options: Options(lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                                                   amsgrad: amsgrad, maximize: maximize, decoupledWeightDecay: true))
    }
}
