import ArgumentParser

/// Which `torch.optim` optimizer a task trains with, and the hyper-parameters given for it
/// (`torch.optim` names in kebab case).
///
/// A `nil` optimizer is the task's own; a `nil` hyper-parameter keeps the task's value
/// when the optimizer is the task's own (see ``overTaskDefault(_:_:)``), else PyTorch's
/// default. The optimizer's constructor checks every value, so an out-of-range one is
/// reported with the optimizer's name and the valid range.
public struct OptimizerSettings: ParsableArguments, Sendable {
    @Option(help: ArgumentHelp("The optimizer (default: the task's): \(OptimizerSettings.names.joined(separator: ", ")).")) public var optimizer: String?
    @Option(help: "Learning rate (default: the task's for its optimizer, else PyTorch's).") public var lr: Double?
    @Option(help: "Momentum (sgd, rmsprop).") public var momentum: Double?
    @Option(help: "Dampening (sgd).") public var dampening: Double?
    @Flag(inversion: .prefixedNo, help: "Nesterov momentum (sgd).") public var nesterov: Bool?
    @Option(help: "Weight decay (L2; decoupled for adamw).") public var weightDecay: Double?
    @Option(help: "Adam's betas, comma-separated (default 0.9,0.999).", transform: CommaSeparated.reading(like: "0.9,0.999"))
    public var betas: CommaSeparated<Double>?
    @Option(help: "Term added for numerical stability.") public var eps: Double?
    @Flag(inversion: .prefixedNo, help: "AMSGrad (adam, adamw).") public var amsgrad: Bool?
    @Option(help: "Smoothing constant (rmsprop).") public var alpha: Double?
    @Option(help: "Decay of squared gradients (adadelta).") public var rho: Double?
    @Option(help: "Learning-rate decay (adagrad).") public var lrDecay: Double?
    @Option(help: "Iterations per step (lbfgs, default 20).") public var maxIter: Int?
    @Option(help: "Update history size (lbfgs, default 100).") public var historySize: Int?
    @Option(help: "Line search of lbfgs: strong_wolfe (the lbfgs task's default).") public var lineSearch: String?

    public init() {}

    /// The optimizers a task can be trained with, by their command-line names, with
    /// PyTorch's default learning rates.
    public static let defaultLearningRates: KeyValuePairs<String, Double> = [
        "sgd": 1e-3, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-2, "adagrad": 1e-2, "adadelta": 1.0,
        "adamax": 2e-3, "nadam": 2e-3, "radam": 1e-3, "lbfgs": 1,
    ]
    public static var names: [String] { defaultLearningRates.map(\.key) }

    /// The optimizer's name (`--optimizer`).
    public var name: String? {
        get { optimizer }
        set { optimizer = newValue }
    }

    /// The settings to train with when the task's own optimizer is `name`: with no
    /// `--optimizer` or the same one, `fillDefaults` gives the task's values to the
    /// hyper-parameters not given; another optimizer starts from PyTorch's defaults.
    ///
    ///     settings.optimizer.overTaskDefault("sgd") { $0.lr = $0.lr ?? 0.05 }
    public func overTaskDefault(_ name: String, _ fillDefaults: (inout OptimizerSettings) -> Void) -> OptimizerSettings {
        guard optimizer == nil || optimizer == name else { return self }
        var settings = self
        settings.optimizer = name
        fillDefaults(&settings)
        return settings
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
        try checkApplicable(to: name)
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
        guard let betas = betas?.elements else { return (0.9, 0.999) }
        guard betas.count == 2 else {
            throw TaskError("--betas takes two numbers like 0.9,0.999, got \(betas.count)")
        }
        return (betas[0], betas[1])
    }
}
