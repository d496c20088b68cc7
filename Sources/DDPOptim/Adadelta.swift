import DDPTensor

/// Adadelta (Zeiler, 2012, "ADADELTA: An Adaptive Learning Rate Method"), as
/// `torch.optim.Adadelta`:
///
///     g ← ±∇p + λ·p,   v ← ρ·v + (1 − ρ)·g²
///     Δ ← √(u + ε) / √(v + ε) · g,   u ← ρ·u + (1 − ρ)·Δ²,   p ← p − lr·Δ
///
/// Options: `lr` (1.0), `rho` (0.9), `eps` (1e-6), `weight_decay` (0), `maximize` (false).
/// State: `step`, `square_avg`, `acc_delta`.
public final class Adadelta: Optimizer {
    /// Adadelta's hyper-parameters; the initialiser's defaults are torch's.
    public struct Options: OptimizerOptions {
        public var lr: Double
        public var rho: Double
        public var eps: Double
        public var weightDecay: Double
        public var maximize: Bool

        public init(lr: Double = 1.0, rho: Double = 0.9, eps: Double = 1e-6, weightDecay: Double = 0,
                    maximize: Bool = false) {
            self.lr = lr
            self.rho = rho
            self.eps = eps
            self.weightDecay = weightDecay
            self.maximize = maximize
        }

        public init(_ group: ParamGroup) {
            self.init(lr: group.lr, rho: group.number("rho"), eps: group.number("eps"), weightDecay: group.weightDecay,
                      maximize: group.flag("maximize"))
        }

        public var hyperParameters: [String: HyperParameter] {
            ["lr": .number(lr), "rho": .number(rho), "eps": .number(eps), "weight_decay": .number(weightDecay),
             "maximize": .flag(maximize)]
        }
    }

    public var storage: OptimizerStorage

    public init<P: ParameterGroupConvertible>(_ parameters: [P], options: Options) throws {
        storage = OptimizerStorage(defaults: options)
        try addInitialGroups(P.paramGroups(from: parameters))
    }

    public convenience init<P: ParameterGroupConvertible>(
        _ parameters: [P], lr: Double = 1.0, rho: Double = 0.9, eps: Double = 1e-6, weightDecay: Double = 0,
        maximize: Bool = false
    ) throws {
        try self.init(parameters, options: Options(lr: lr, rho: rho, eps: eps, weightDecay: weightDecay, maximize: maximize))
    }

    public func validate(_ options: [String: HyperParameter]) throws {
        try validateLearningRate(options)
        try validateAdamFamily(options, optimizer: "Adadelta")
        let rho = Options(ParamGroup([], options: options)).rho
        try OptimizerError.require(rho >= 0 && rho <= 1, "Adadelta: invalid rho \(rho): use a value in [0, 1]")
    }

    public func update(_ parameter: Tensor, gradient: Tensor, state: inout ParameterState, group: ParamGroup) throws {
        let options = Options(group)
        _ = state.advanceStep()
        let lr = Float(options.lr), rho = Float(options.rho), rest = Float(1 - options.rho)
        let eps = Float(options.eps), decay = Float(options.weightDecay)
        let sign: Float = options.maximize ? -1 : 1
        let v = state.buffer("square_avg", like: parameter).data
        let u = state.buffer("acc_delta", like: parameter).data
        let p = parameter.data, g = gradient.data
        for i in 0..<parameter.count {
            let d = sign * g[i] + decay * p[i]
            let vi = v[i] * rho + rest * d * d
            v[i] = vi
            let delta = sqrtOfNonNegative(u[i] + eps) / sqrtOfNonNegative(vi + eps) * d
            u[i] = u[i] * rho + rest * delta * delta
            p[i] = p[i] - lr * delta
        }
    }
}
