import CVectorKernels
import DDPTensor

/// Stochastic gradient descent with optional momentum (Sutskever et al., 2013, "On the
/// importance of initialization and momentum in deep learning"), as `torch.optim.SGD`:
///
///     g ← ±∇p + λ·p
///     b ← g (first step),  b ← μ·b + (1 − τ)·g (later)
///     g ← g + μ·b (Nesterov)  or  g ← b
///     p ← p − lr·g
///
/// Options: `lr` (1e-3), `momentum` μ (0), `dampening` τ (0), `weight_decay` λ (0),
/// `nesterov` (false; needs μ > 0 and τ = 0), `maximize` (false).
public final class SGD: Optimizer {
    /// SGD's hyper-parameters; the initialiser's defaults are torch's.
    public struct Options: OptimizerOptions {
        public var lr: Double
        public var momentum: Double
        public var dampening: Double
        public var weightDecay: Double
        public var nesterov: Bool
        public var maximize: Bool

        public init(lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0, weightDecay: Double = 0,
                    nesterov: Bool = false, maximize: Bool = false) {
            self.lr = lr
            self.momentum = momentum
            self.dampening = dampening
            self.weightDecay = weightDecay
            self.nesterov = nesterov
            self.maximize = maximize
        }

        public init(_ group: ParamGroup) {
            self.init(lr: group.lr, momentum: group.momentum, dampening: group.number("dampening"),
                      weightDecay: group.weightDecay, nesterov: group.flag("nesterov"), maximize: group.flag("maximize"))
        }

        public var hyperParameters: [String: HyperParameter] {
            ["lr": .number(lr), "momentum": .number(momentum), "dampening": .number(dampening),
             "weight_decay": .number(weightDecay), "nesterov": .flag(nesterov), "maximize": .flag(maximize)]
        }
    }

    public var storage: OptimizerStorage

    public init<P: ParameterGroupConvertible>(_ parameters: [P], options: Options) throws {
        storage = OptimizerStorage(defaults: options)
        try addInitialGroups(P.paramGroups(from: parameters))
    }

    public convenience init<P: ParameterGroupConvertible>(
        _ parameters: [P], lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
        weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false
    ) throws {
        try self.init(parameters, options: Options(lr: lr, momentum: momentum, dampening: dampening,
                                                   weightDecay: weightDecay, nesterov: nesterov, maximize: maximize))
    }

    public func validate(_ options: [String: HyperParameter]) throws {
        try validateLearningRate(options)
        let group = Options(ParamGroup([], options: options))
        try OptimizerError.require(group.momentum >= 0, "SGD: invalid momentum \(group.momentum): use momentum >= 0")
        try OptimizerError.require(group.weightDecay >= 0, "SGD: invalid weight_decay \(group.weightDecay): use weight_decay >= 0")
        if group.nesterov {
            try OptimizerError.require(group.momentum > 0 && group.dampening == 0,
                "SGD: nesterov momentum requires a momentum > 0 and zero dampening: set momentum and dampening=0, or nesterov=false")
        }
    }

    public func update(_ parameter: Tensor, gradient: Tensor, state: inout ParameterState, group: ParamGroup) throws {
        let options = Options(group)
        let lr = Float(options.lr), momentum = Float(options.momentum), decay = Float(options.weightDecay)
        let dampening = Float(options.dampening)
        let sign: Float = options.maximize ? -1 : 1
        let n = parameter.count, p = parameter.data, g = gradient.data
        guard momentum != 0 else {
            for i in 0..<n { p[i] = p[i] - lr * (sign * g[i] + decay * p[i]) }
            return
        }
        // The buffer starts as a copy of the first gradient (no dampening on step one).
        let isFirst = state.tensor("momentum_buffer") == nil
        let b = state.buffer("momentum_buffer", like: parameter).data
        let keep: Float = isFirst ? 0 : momentum, add: Float = isFirst ? 1 : 1 - dampening
        // In C, vectorized for the widest instructions the machine has.
        swiftddp_sgd_momentum_update(p, g, b, n, lr, sign, decay, keep, add, momentum, options.nesterov)
    }
}
