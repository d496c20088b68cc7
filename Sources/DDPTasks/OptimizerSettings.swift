/// Which `torch.optim` optimizer a task trains with, and the hyper-parameters given for it.
///
/// A `nil` name is the task's own optimizer; a `nil` hyper-parameter keeps the task's value
/// when the optimizer is the task's own, else PyTorch's default. The optimizer's constructor
/// checks every value, so an out-of-range one is reported with the optimizer's name and the
/// valid range.
public struct OptimizerSettings: Equatable, Sendable {
    /// The optimizers a task can be trained with, by their command-line names, with
    /// PyTorch's default learning rates.
    public static let defaultLearningRates: KeyValuePairs<String, Double> = [
        "sgd": 1e-3, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-2, "adagrad": 1e-2, "adadelta": 1.0,
        "adamax": 2e-3, "nadam": 2e-3, "radam": 1e-3, "lbfgs": 1,
    ]
    public static var names: [String] { defaultLearningRates.map(\.key) }

    public var name: String?
    public var lr: Double?
    public var momentum: Double?
    public var dampening: Double?
    public var nesterov: Bool?
    public var weightDecay: Double?
    public var betas: [Double]?
    public var eps: Double?
    public var amsgrad: Bool?
    public var alpha: Double?
    public var rho: Double?
    public var lrDecay: Double?
    public var maxIter: Int?
    public var historySize: Int?
    public var lineSearch: String?

    public init(
        name: String? = nil, lr: Double? = nil, momentum: Double? = nil, dampening: Double? = nil, nesterov: Bool? = nil,
        weightDecay: Double? = nil, betas: [Double]? = nil, eps: Double? = nil, amsgrad: Bool? = nil,
        alpha: Double? = nil, rho: Double? = nil, lrDecay: Double? = nil, maxIter: Int? = nil,
        historySize: Int? = nil, lineSearch: String? = nil
    ) {
        self.name = name
        self.lr = lr
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.betas = betas
        self.eps = eps
        self.amsgrad = amsgrad
        self.alpha = alpha
        self.rho = rho
        self.lrDecay = lrDecay
        self.maxIter = maxIter
        self.historySize = historySize
        self.lineSearch = lineSearch
    }

    /// The settings to train with when the task's own are `self` and the user gave
    /// `overrides`: another optimizer starts from PyTorch's defaults, the same one from the
    /// task's values; every value given in `overrides` wins.
    public func overridden(by overrides: OptimizerSettings) -> OptimizerSettings {
        guard overrides.name == nil || overrides.name == name else { return overrides }
        var merged = overrides
        merged.name = name
        merged.lr = overrides.lr ?? lr
        merged.momentum = overrides.momentum ?? momentum
        merged.dampening = overrides.dampening ?? dampening
        merged.nesterov = overrides.nesterov ?? nesterov
        merged.weightDecay = overrides.weightDecay ?? weightDecay
        merged.betas = overrides.betas ?? betas
        merged.eps = overrides.eps ?? eps
        merged.amsgrad = overrides.amsgrad ?? amsgrad
        merged.alpha = overrides.alpha ?? alpha
        merged.rho = overrides.rho ?? rho
        merged.lrDecay = overrides.lrDecay ?? lrDecay
        merged.maxIter = overrides.maxIter ?? maxIter
        merged.historySize = overrides.historySize ?? historySize
        merged.lineSearch = overrides.lineSearch ?? lineSearch
        return merged
    }

    /// The learning rate these settings train with: the one given, else PyTorch's default.
    public var learningRate: Double {
        lr ?? Self.defaultLearningRates.first(where: { $0.key == name })?.value ?? 1e-3
    }

    /// The optimizer over `groups` (each group may carry its own `lr`).
    ///
    /// - Throws: ``TaskError`` for an unknown name or malformed `betas`; the optimizer's own
    ///   error for a value out of range.
    public func makeOptimizer(_ groups: [ParamGroup]) throws -> any Optimizer {
        guard let name, let defaultLR = Self.defaultLearningRates.first(where: { $0.key == name })?.value else {
            throw TaskError("unknown optimizer '\(name ?? "")': use one of \(Self.names.joined(separator: ", "))")
        }
        let lr = self.lr ?? defaultLR
        let weightDecay = self.weightDecay ?? 0
        let (beta1, beta2) = try betaPair()
        let eps = self.eps
        switch name {
        case "sgd":
            return try SGD(groups, lr: lr, momentum: momentum ?? 0, dampening: dampening ?? 0,
                           weightDecay: weightDecay, nesterov: nesterov ?? false)
        case "adam":
            return try Adam(groups, lr: lr, betas: (beta1, beta2), eps: eps ?? 1e-8, weightDecay: weightDecay,
                            amsgrad: amsgrad ?? false)
        case "adamw":
            return try AdamW(groups, lr: lr, betas: (beta1, beta2), eps: eps ?? 1e-8,
                             weightDecay: self.weightDecay ?? 1e-2, amsgrad: amsgrad ?? false)
        case "rmsprop":
            return try RMSprop(groups, lr: lr, alpha: alpha ?? 0.99, eps: eps ?? 1e-8, weightDecay: weightDecay,
                               momentum: momentum ?? 0)
        case "adagrad":
            return try Adagrad(groups, lr: lr, lrDecay: lrDecay ?? 0, weightDecay: weightDecay, eps: eps ?? 1e-10)
        case "adadelta":
            return try Adadelta(groups, lr: lr, rho: rho ?? 0.9, eps: eps ?? 1e-6, weightDecay: weightDecay)
        case "adamax":
            return try Adamax(groups, lr: lr, betas: (beta1, beta2), eps: eps ?? 1e-8, weightDecay: weightDecay)
        case "nadam":
            return try NAdam(groups, lr: lr, betas: (beta1, beta2), eps: eps ?? 1e-8, weightDecay: weightDecay)
        case "radam":
            return try RAdam(groups, lr: lr, betas: (beta1, beta2), eps: eps ?? 1e-8, weightDecay: weightDecay)
        case "lbfgs":
            if let lineSearch, lineSearch != "strong_wolfe" {
                throw TaskError("--line-search takes strong_wolfe (or leave it out for fixed steps), got '\(lineSearch)'")
            }
            if let maxIter, maxIter < 1 { throw TaskError("LBFGS: invalid --max-iter \(maxIter): use a value >= 1") }
            if let historySize, historySize < 1 {
                throw TaskError("LBFGS: invalid --history-size \(historySize): use a value >= 1")
            }
            return try LBFGS(groups, lr: lr, maxIter: maxIter ?? 20, historySize: historySize ?? 100,
                             lineSearchFn: lineSearch)
        default:
            throw TaskError("unknown optimizer '\(name)': use one of \(Self.names.joined(separator: ", "))")
        }
    }

    private func betaPair() throws -> (Double, Double) {
        guard let betas else { return (0.9, 0.999) }
        guard betas.count == 2 else {
            throw TaskError("--betas takes two numbers like 0.9,0.999, got \(betas.count)")
        }
        return (betas[0], betas[1])
    }
}
