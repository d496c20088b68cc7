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
    /// Adagrad's hyper-parameters; the initialiser's defaults are torch's.
    public struct Options: OptimizerOptions {
        public var lr: Double
        public var lrDecay: Double
        public var weightDecay: Double
        public var initialAccumulatorValue: Double
        public var eps: Double
        public var maximize: Bool

        public init(lr: Double = 1e-2, lrDecay: Double = 0, weightDecay: Double = 0,
                    initialAccumulatorValue: Double = 0, eps: Double = 1e-10, maximize: Bool = false) {
            self.lr = lr
            self.lrDecay = lrDecay
            self.weightDecay = weightDecay
            self.initialAccumulatorValue = initialAccumulatorValue
            self.eps = eps
            self.maximize = maximize
        }

        public init(_ group: ParamGroup) {
            self.init(lr: group.lr, lrDecay: group.number("lr_decay"), weightDecay: group.weightDecay,
                      initialAccumulatorValue: group.number("initial_accumulator_value"), eps: group.number("eps"),
                      maximize: group.flag("maximize"))
        }

        public var hyperParameters: [String: HyperParameter] {
            ["lr": .number(lr), "lr_decay": .number(lrDecay), "weight_decay": .number(weightDecay),
             "initial_accumulator_value": .number(initialAccumulatorValue), "eps": .number(eps),
             "maximize": .flag(maximize)]
        }
    }

    public var storage: OptimizerStorage

    public init<P: ParameterGroupConvertible>(_ parameters: [P], options: Options) throws {
        storage = OptimizerStorage(defaults: options)
        try addInitialGroups(P.paramGroups(from: parameters))
    }

    public convenience init<P: ParameterGroupConvertible>(
        _ parameters: [P], lr: Double = 1e-2, lrDecay: Double = 0, weightDecay: Double = 0,
        initialAccumulatorValue: Double = 0, eps: Double = 1e-10, maximize: Bool = false
    ) throws {
        try self.init(parameters, options: Options(lr: lr, lrDecay: lrDecay, weightDecay: weightDecay,
                                                   initialAccumulatorValue: initialAccumulatorValue, eps: eps,
                                                   maximize: maximize))
    }

    public func validate(_ options: [String: HyperParameter]) throws {
        try validateLearningRate(options)
        try validateAdamFamily(options, optimizer: "Adagrad")
        let group = Options(ParamGroup([], options: options))
        try OptimizerError.require(group.lrDecay >= 0, "Adagrad: invalid lr_decay \(group.lrDecay): use lr_decay >= 0")
        try OptimizerError.require(group.initialAccumulatorValue >= 0,
            "Adagrad: invalid initial_accumulator_value \(group.initialAccumulatorValue): use a value >= 0")
    }

    public func update(_ parameter: Tensor, gradient: Tensor, state: inout ParameterState, group: ParamGroup) throws {
        let options = Options(group)
        let sum = state.buffer("sum", like: parameter, initialValue: Float(options.initialAccumulatorValue)).data
        let step = state.advanceStep()
        let clr = Float(options.lr / (1 + (step - 1) * options.lrDecay))
        let eps = Float(options.eps), decay = Float(options.weightDecay)
        let sign: Float = options.maximize ? -1 : 1
        let p = parameter.data, g = gradient.data
        for i in 0..<parameter.count {
            let d = sign * g[i] + decay * p[i]
            let s = sum[i] + d * d
            sum[i] = s
            p[i] = p[i] - clr * (d / (sqrtOfNonNegative(s) + eps))
        }
    }
}
