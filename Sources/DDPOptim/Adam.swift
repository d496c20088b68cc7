import DDPTensor

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    public var paramGroups: [ParamGroup] = []
    public var state: [ObjectIdentifier: ParameterState] = [:]
    public let defaults: [String: HyperParameter]
    public var typeName: String { "Adam" }

    public convenience init<P: ParameterGroupConvertible>(
        _ parameters: [P], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
        weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false, decoupledWeightDecay: Bool = false
    ) throws {
        try self.init(groups: P.paramGroups(from: parameters), lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                      amsgrad: amsgrad, maximize: maximize, decoupledWeightDecay: decoupledWeightDecay)
    }

    init(groups: [ParamGroup], lr: Double, betas: (Double, Double), eps: Double, weightDecay: Double,
         amsgrad: Bool, maximize: Bool, decoupledWeightDecay: Bool) throws {
        defaults = ["lr": .number(lr), "betas": .numbers([betas.0, betas.1]), "eps": .number(eps),
                    "weight_decay": .number(weightDecay), "amsgrad": .flag(amsgrad), "maximize": .flag(maximize),
                    "decoupled_weight_decay": .flag(decoupledWeightDecay)]
        try addInitialGroups(groups)
    }

    public func validate(_ options: [String: HyperParameter]) throws {
        try validateLearningRate(options)
        try validateAdamFamily(options, optimizer: typeName)
    }

    public func update(_ parameter: Tensor, gradient: Tensor, state: inout ParameterState, group: ParamGroup) throws {
        let (beta1, beta2) = group.betas
        let lr = group.lr, weightDecay = group.weightDecay
        let amsgrad = group.flag("amsgrad"), decoupled = group.flag("decoupled_weight_decay")
        let step = state.advanceStep()
        let m = state.buffer("exp_avg", like: parameter).data
        let v = state.buffer("exp_avg_sq", like: parameter).data
        // Scalars in Double, as Python floats in torch; the element loop in Float.
        let stepSize = Float(lr / (1 - pow(beta1, step)))
        let correction2Root = Float((1 - pow(beta2, step)).squareRoot())
        let shrink = Float(decoupled ? 1 - lr * weightDecay : 1)
        let l2 = Float(decoupled ? 0 : weightDecay)
        let sign: Float = group.flag("maximize") ? -1 : 1
        let b1 = Float(1 - beta1), b2 = Float(beta2), c2 = Float(1 - beta2), eps = Float(group.number("eps"))
        let p = parameter.data, g = gradient.data, n = parameter.count
        if amsgrad {
            let vMax = state.buffer("max_exp_avg_sq", like: parameter).data
            for i in 0..<n {
                let x = p[i] * shrink
                let d = sign * g[i] + l2 * x
                let mi = m[i] + b1 * (d - m[i])
                let vi = v[i] * b2 + c2 * d * d
                let peak = max(vMax[i], vi)
                m[i] = mi; v[i] = vi; vMax[i] = peak
                p[i] = x - stepSize * (mi / (sqrtOfNonNegative(peak) / correction2Root + eps))
            }
        } else {
            for i in 0..<n {
                let x = p[i] * shrink
                let d = sign * g[i] + l2 * x
                let mi = m[i] + b1 * (d - m[i])
                let vi = v[i] * b2 + c2 * d * d
                m[i] = mi; v[i] = vi
                p[i] = x - stepSize * (mi / (sqrtOfNonNegative(vi) / correction2Root + eps))
            }
        }
    }
}

/// AdamW (Loshchilov & Hutter, 2019, "Decoupled Weight Decay Regularization"): Adam with
/// `p ← p·(1 − lr·λ)` before the update instead of L2 in the gradient, as `torch.optim.AdamW`
/// (default `weight_decay` 0.01).
public final class AdamW: Adam {
    public override var typeName: String { "AdamW" }

    public convenience init<P: ParameterGroupConvertible>(
        _ parameters: [P], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
        weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false
    ) throws {
        try self.init(groups: P.paramGroups(from: parameters), lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                      amsgrad: amsgrad, maximize: maximize, decoupledWeightDecay: true)
    }
}

/// The range checks torch's Adam-like constructors share: `eps >= 0`, betas in [0, 1),
/// `weight_decay >= 0`.
func validateAdamFamily(_ options: [String: HyperParameter], optimizer: String) throws {
    let group = ParamGroup([], options: options)
    if let eps = options["eps"]?.doubleValue {
        try OptimizerError.require(eps >= 0, "\(optimizer): invalid epsilon \(eps): use eps >= 0")
    }
    if options["betas"] != nil {
        guard let betas = options["betas"]?.doublesValue, betas.count == 2 else {
            throw OptimizerError("\(optimizer): 'betas' must be two numbers, found \(String(describing: options["betas"]))")
        }
        try OptimizerError.require(betas[0] >= 0 && betas[0] < 1, "\(optimizer): invalid beta parameter at index 0: \(betas[0]): use a value in [0, 1)")
        try OptimizerError.require(betas[1] >= 0 && betas[1] < 1, "\(optimizer): invalid beta parameter at index 1: \(betas[1]): use a value in [0, 1)")
    }
    if options["weight_decay"] != nil {
        try OptimizerError.require(group.weightDecay >= 0, "\(optimizer): invalid weight_decay \(group.weightDecay): use weight_decay >= 0")
    }
}
