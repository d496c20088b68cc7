/// What Adam, AdamW, NAdam and RAdam share: the per-element moment update, and the range
/// checks of torch's Adam-like constructors.

/// The decay and moment update of Adam-like optimizers, for one element:
///
///     x ← p·(1 − lr·λ) (decoupled weight decay) or p,   d ← ±g + λ·x (L2 weight decay)
///     m ← m + (1 − β₁)(d − m),   v ← β₂·v + (1 − β₂)·d²
///
/// The coefficients are worked out once per parameter in Double (torch's Python floats);
/// the element arithmetic is Float, in torch's order.
struct MomentUpdate {
    let shrink: Float
    let l2: Float
    let sign: Float
    let averageRate: Float
    let squareKeep: Float
    let squareRate: Float

    init(lr: Double, betas: (Double, Double), weightDecay: Double, decoupledWeightDecay: Bool, maximize: Bool) {
        shrink = Float(decoupledWeightDecay ? 1 - lr * weightDecay : 1)
        l2 = Float(decoupledWeightDecay ? 0 : weightDecay)
        sign = maximize ? -1 : 1
        averageRate = Float(1 - betas.0)
        squareKeep = Float(betas.1)
        squareRate = Float(1 - betas.1)
    }

    /// The decayed parameter `x`, the gradient `d` the moments saw, and the new moments.
    @inline(__always)
    func callAsFunction(parameter: Float, gradient: Float, average m: Float, square v: Float)
        -> (x: Float, d: Float, average: Float, square: Float)
    {
        let x = parameter * shrink
        let d = sign * gradient + l2 * x
        return (x, d, m + averageRate * (d - m), v * squareKeep + squareRate * d * d)
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
