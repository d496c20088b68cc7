import DDPNN
import Foundation
import DDPOptim
import DDPTensor

/// Logs the total norm of the gradients at every optimizer step, before clipping, under
/// Lightning's name `grad_2.0_norm_total` (`grad_<p>_norm_total` for another order): what
/// Lightning's docs do with `grad_norm` in `on_before_optimizer_step`, and what
/// `--log-grad-norm` adds.
///
/// The norm is taken over the parameters of the optimizer about to step (with one
/// optimizer, all of the module's), whose gradients are then averaged over the ranks, so
/// every rank logs the same value. A value logged twice in one batch (several optimizers,
/// a closure evaluated several times) keeps the last.
public final class GradientNormMonitor: Callback {
    /// The order p of the norm, (Σ|g|ᵖ)^(1/p); `.infinity` for the largest |g|.
    public let normType: Double

    /// The 2-norm.
    public init() { normType = 2 }

    /// - Throws: ``TrainerError`` for an order that is not a positive number or `.infinity`.
    public init(normType: Double) throws {
        try TrainerError.require(normType > 0, "GradientNormMonitor: the norm's order must be > 0 or .infinity, got \(normType)")
        self.normType = normType
    }

    /// The logged name, as Lightning spells it (`grad_2.0_norm_total`).
    public var metricName: String { "grad_\(normType)_norm_total" }

    public func onBeforeOptimizerStep(
        _ trainer: Trainer, _ module: any TrainingModule, optimizer: ManagedOptimizer, optimizerIndex: Int
    ) throws {
        let norm = gradientNorm(optimizer.optimizer.allParameters, normType: normType)
        module.log(metricName, norm, onStep: true, onEpoch: false)
    }
}

/// The norm of each parameter's gradient and their total, as Lightning's
/// `grad_norm(module, norm_type)`: `grad_2.0_norm/<parameter name>` for each parameter with
/// a gradient, and `grad_2.0_norm_total`, the norm of those norms (empty when no parameter
/// has a gradient).
public func gradNorm(_ module: Module, normType: Double = 2) -> [String: Double] {
    var norms: [String: Double] = [:]
    var each: [Double] = []
    for (name, parameter) in module.namedParameters() where parameter.grad != nil {
        let norm = gradientNorm([parameter], normType: normType)
        norms["grad_\(normType)_norm/\(name)"] = norm
        each.append(norm)
    }
    guard !each.isEmpty else { return [:] }
    norms["grad_\(normType)_norm_total"] = normType == .infinity
        ? each.max() ?? 0
        : Foundation.pow(each.reduce(0) { $0 + Foundation.pow($1, normType) }, 1 / normType)
    return norms
}
