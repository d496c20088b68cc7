import DDPTensor

/// RMSprop (Hinton, Lecture 6e of "Neural Networks for Machine Learning"; centered form from
/// Graves, 2013, "Generating Sequences With Recurrent Neural Networks"), as `torch.optim.RMSprop`:
///
///     g ← ±∇p + λ·p,   v ← α·v + (1 − α)·g²
///     centered: ḡ ← α·ḡ + (1 − α)·g,   s ← √(v − ḡ²) + ε;   otherwise s ← √v + ε
///     momentum μ > 0: b ← μ·b + g/s,  p ← p − lr·b;   otherwise p ← p − lr·g/s
///
/// Options: `lr` (1e-2), `alpha` (0.99), `eps` (1e-8), `weight_decay` (0), `momentum` (0),
/// `centered` (false), `maximize` (false). State: `step`, `square_avg`, `momentum_buffer`, `grad_avg`.
public final class RMSprop: Optimizer {
    /// RMSprop's hyper-parameters; the initialiser's defaults are torch's.
    public struct Options: OptimizerOptions {
        public var lr: Double
        public var alpha: Double
        public var eps: Double
        public var weightDecay: Double
        public var momentum: Double
        public var centered: Bool
        public var maximize: Bool

        public init(lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8, weightDecay: Double = 0,
                    momentum: Double = 0, centered: Bool = false, maximize: Bool = false) {
            self.lr = lr
            self.alpha = alpha
            self.eps = eps
            self.weightDecay = weightDecay
            self.momentum = momentum
            self.centered = centered
            self.maximize = maximize
        }

        public init(_ group: ParamGroup) {
            self.init(lr: group.lr, alpha: group.number("alpha"), eps: group.number("eps"),
                      weightDecay: group.weightDecay, momentum: group.momentum, centered: group.flag("centered"),
                      maximize: group.flag("maximize"))
        }

        public var hyperParameters: [String: HyperParameter] {
            ["lr": .number(lr), "alpha": .number(alpha), "eps": .number(eps), "weight_decay": .number(weightDecay),
             "momentum": .number(momentum), "centered": .flag(centered), "maximize": .flag(maximize)]
        }
    }

    public var storage: OptimizerStorage

    public init<P: ParameterGroupConvertible>(_ parameters: [P], options: Options) throws {
        storage = OptimizerStorage(defaults: options)
        try addInitialGroups(P.paramGroups(from: parameters))
    }

    public convenience init<P: ParameterGroupConvertible>(
        _ parameters: [P], lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8, weightDecay: Double = 0,
        momentum: Double = 0, centered: Bool = false, maximize: Bool = false
    ) throws {
        try self.init(parameters, options: Options(lr: lr, alpha: alpha, eps: eps, weightDecay: weightDecay,
                                                   momentum: momentum, centered: centered, maximize: maximize))
    }

    public func validate(_ options: [String: HyperParameter]) throws {
        try validateLearningRate(options)
        try validateAdamFamily(options, optimizer: "RMSprop")
        let group = Options(ParamGroup([], options: options))
        try OptimizerError.require(group.momentum >= 0, "RMSprop: invalid momentum \(group.momentum): use momentum >= 0")
        try OptimizerError.require(group.alpha >= 0, "RMSprop: invalid alpha \(group.alpha): use alpha >= 0")
    }

    public func update(_ parameter: Tensor, gradient: Tensor, state: inout ParameterState, group: ParamGroup) throws {
        let options = Options(group)
        _ = state.advanceStep()
        let lr = Float(options.lr), alpha = Float(options.alpha), rest = Float(1 - options.alpha)
        let eps = Float(options.eps), decay = Float(options.weightDecay), momentum = Float(options.momentum)
        let sign: Float = options.maximize ? -1 : 1
        let centered = options.centered
        let v = state.buffer("square_avg", like: parameter).data
        let mean = centered ? state.buffer("grad_avg", like: parameter).data : v
        let b = momentum > 0 ? state.buffer("momentum_buffer", like: parameter).data : v
        let p = parameter.data, g = gradient.data
        for i in 0..<parameter.count {
            let d = sign * g[i] + decay * p[i]
            let vi = v[i] * alpha + rest * d * d
            v[i] = vi
            var scale: Float
            if centered {
                let mi = mean[i] + rest * (d - mean[i])
                mean[i] = mi
                scale = (vi - mi * mi).squareRoot() + eps
            } else {
                scale = sqrtOfNonNegative(vi) + eps
            }
            if momentum > 0 {
                let bi = b[i] * momentum + d / scale
                b[i] = bi
                p[i] = p[i] - lr * bi
            } else {
                p[i] = p[i] - lr * (d / scale)
            }
        }
    }
}
