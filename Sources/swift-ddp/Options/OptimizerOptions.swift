import ArgumentParser
import DDPTasks

/// The optimizer and its hyper-parameters (`torch.optim` names in kebab case).
struct OptimizerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The optimizer (default: the task's): \(OptimizerSettings.names.joined(separator: ", ")).")) var optimizer: String?
    @Option(help: "Learning rate (default: the task's for its optimizer, else PyTorch's).") var lr: Double?
    @Option(help: "Momentum (sgd, rmsprop).") var momentum: Double?
    @Option(help: "Dampening (sgd).") var dampening: Double?
    @Flag(inversion: .prefixedNo, help: "Nesterov momentum (sgd).") var nesterov: Bool?
    @Option(help: "Weight decay (L2; decoupled for adamw).") var weightDecay: Double?
    @Option(help: "Adam's betas, comma-separated (default 0.9,0.999).", transform: CommaSeparated.reading(like: "0.9,0.999"))
    var betas: CommaSeparated<Double>?
    @Option(help: "Term added for numerical stability.") var eps: Double?
    @Flag(inversion: .prefixedNo, help: "AMSGrad (adam, adamw).") var amsgrad: Bool?
    @Option(help: "Smoothing constant (rmsprop).") var alpha: Double?
    @Option(help: "Decay of squared gradients (adadelta).") var rho: Double?
    @Option(help: "Learning-rate decay (adagrad).") var lrDecay: Double?
    @Option(help: "Iterations per step (lbfgs, default 20).") var maxIter: Int?
    @Option(help: "Update history size (lbfgs, default 100).") var historySize: Int?
    @Option(help: "Line search of lbfgs: strong_wolfe (the lbfgs task's default).") var lineSearch: String?
}
