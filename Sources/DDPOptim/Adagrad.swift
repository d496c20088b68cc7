import DDPTensor

/// Adagrad (Duchi et al., 2011, "Adaptive Subgradient Methods for Online Learning and
/// Stochastic Optimization"), as `torch.optim.Adagrad`:
///
///     g ← ±∇p + λ·p,   η ← lr / (1 + (t − 1)·lr_decay)
///     s ← s + g²,      p ← p − η · g / (√s + ε)
///
/// Options: `lr` (1e-2), `lr_decay` (0), `weight_decay` (0), `initial_accumulator_value` (0),
/// `eps` (1e-10), `maximize` (false). State: `step`, `sum`.
public final class Adagrad: Optimizer {
    public var paramGroups: [ParamGroup] = []
    public var state: [ObjectIdentifier: ParameterState] = [:]
    public let defaults: [String: HyperParameter]

    public init<P: ParameterGroupConvertible>(
        _ parameters: [P], lr: Double = 1e-2, lrDecay: Double = 0, weightDecay: Double = 0,
        initialAccumulatorValue: Double = 0, eps: Double = 1e-10, maximize: Bool = false
    ) throws {
        defaults = ["lr": .number(lr), "lr_decay": .number(lrDecay), "weight_decay": .number(weightDecay),
                    "initial_accumulator_value": .number(initialAccumulatorValue), "eps": .number(eps),
                    "maximize": .flag(maximize)]
        try addInitialGroups(P.paramGroups(from: parameters))
    }

    public func validate(_ options: [String: HyperParameter]) throws {
        try validateLearningRate(options)
        try validateAdamFamily(options, optimizer: "Adagrad")
        let group = ParamGroup([], options: options)
        let lrDecay = group.number("lr_decay"), initial = group.number("initial_accumulator_value")
        try OptimizerError.require(lrDecay >= 0, "Adagrad: invalid lr_decay \(lrDecay): use lr_decay >= 0")
        try OptimizerError.require(initial >= 0, "Adagrad: invalid initial_accumulator_value \(initial): use a value >= 0")
    }

    public func update(_ parameter: Tensor, gradient: Tensor, state: inout ParameterState, group: ParamGroup) throws {
        let sum = state.buffer("sum", like: parameter, initialValue: Float(group.number("initial_accumulator_value"))).data
        let step = state.advanceStep()
        let clr = Float(group.lr / (1 + (step - 1) * group.number("lr_decay")))
        let eps = Float(group.number("eps")), decay = Float(group.weightDecay)
        let sign: Float = group.flag("maximize") ? -1 : 1
        let p = parameter.data, g = gradient.data
        for i in 0..<parameter.count {
            let d = sign * g[i] + decay * p[i]
            let s = sum[i] + d * d
            sum[i] = s
            p[i] = p[i] - clr * (d / (sqrtOfNonNegative(s) + eps))
        }
    }
}
