import DDPDistributed
import DDPOptim
import DDPTensor

/// What to do when the loss of an optimizer step (averaged over ranks) or the norm of its
/// gradients (after they are averaged) is NaN or infinite.
public enum NonFiniteLossPolicy: String, Sendable {
    /// Step anyway, as PyTorch does.
    case step
    /// Skip that optimizer step on every rank (no scheduler steps either), counted in
    /// ``Trainer/skippedSteps`` and logged as `skipped_steps` after every epoch.
    case skip
    /// Stop training with a ``NonFiniteStepError`` naming the step and the optimizer.
    case stop
}

/// Training stopped at an optimizer step whose loss or gradient norm is NaN or infinite
/// (``NonFiniteLossPolicy/stop``), before that step changed any weight. Every rank throws it
/// alike, since a reduction decides.
public struct NonFiniteStepError: CollectiveError, Equatable {
    /// What was not finite: `the loss is nan`, `the gradient norm is inf`.
    public let finding: String
    public let step: Int
    public let epoch: Int
    public let batchIndex: Int
    public let optimizerIndex: Int
    /// The optimizer's type, as `SGD`.
    public let optimizerName: String

    public var description: String {
        "\(finding) at step \(step) (epoch \(epoch), batch \(batchIndex)) of optimizer \(optimizerIndex) (\(optimizerName)): "
            + "training diverged; lower the learning rate or clip gradients, or skip such steps"
    }
}

/// Whether an optimizer step's loss and gradients are finite on every rank.
struct StepHealth {
    var lossIsFinite = true
    var gradientNormIsFinite = true
    var isFinite: Bool { lossIsFinite && gradientNormIsFinite }
}

/// Thrown inside a step's closure to abandon the step: no rank had a loss, or the step is
/// not finite under ``NonFiniteLossPolicy/skip``. Caught by the step.
struct SkippedStep: Error {
    /// `true` when skipped for a NaN or infinite loss or gradient norm.
    var nonFinite = false
}

extension Trainer {
    /// Whether steps are checked for NaN and infinity at all (not under `.step`).
    var checksFiniteSteps: Bool { nonFiniteLoss != .step }

    /// The mean of `local` over the ranks that have one (`nil` when none has), and whether on
    /// some rank that loss or the norm of optimizer `index`'s gradients is not finite: one
    /// all-reduce for both, so every rank decides alike. Call after the gradients are averaged.
    func globalLossAndHealth(_ local: Double?, gradientsOf index: Int) -> (loss: Float?, health: StepHealth) {
        let lossBad = local.map { !$0.isFinite } ?? false
        let gradientsBad = !gradientNorm(optimizers[index].optimizer.allParameters).isFinite
        var buffer = [local ?? 0, local == nil ? 0 : 1, lossBad ? 1 : 0, gradientsBad ? 1 : 0]
        if worldSize > 1 { buffer.withUnsafeMutableBufferPointer { communicator.allReduce($0, .sum) } }
        let loss = buffer[1] > 0 ? Float(buffer[0] / buffer[1]) : nil
        return (loss, StepHealth(lossIsFinite: buffer[2] == 0, gradientNormIsFinite: buffer[3] == 0))
    }

    /// Lets a step whose loss and gradients are finite go ahead; otherwise skips it or stops
    /// training, as ``nonFiniteLoss`` says.
    /// - Throws: ``SkippedStep`` or ``NonFiniteStepError``.
    func admitStep(of index: Int, loss: Float?, health: StepHealth) throws {
        guard !health.isFinite else { return }
        switch nonFiniteLoss {
        case .step:
            return
        case .skip:
            throw SkippedStep(nonFinite: true)
        case .stop:
            let parameters = optimizers[index].optimizer.allParameters
            // NaN's sign means nothing here: "nan", never "-nan".
            func text(_ value: Double) -> String { value.isNaN ? "nan" : "\(value)" }
            let finding = health.lossIsFinite
                ? "the gradient norm is \(text(gradientNorm(parameters)))" : "the loss is \(text(Double(loss ?? .nan)))"
            throw NonFiniteStepError(finding: finding, step: globalStep, epoch: currentEpoch, batchIndex: batchIndex,
                                     optimizerIndex: index, optimizerName: "\(type(of: optimizers[index].optimizer))")
        }
    }

    /// Counts a skipped non-finite step where callbacks, logs and checkpoints see it.
    func countSkippedStep() {
        skippedSteps += 1
        metrics.remember(Self.skippedStepsMetric, Double(skippedSteps))
    }

    /// The metric that counts skipped non-finite steps.
    static let skippedStepsMetric = "skipped_steps"

    /// `skipped_steps` for an epoch's logging event, under ``NonFiniteLossPolicy/skip``.
    var skippedStepsValues: [MetricValue] {
        nonFiniteLoss == .skip ? [MetricValue(name: Self.skippedStepsMetric, value: Double(skippedSteps))] : []
    }
}
