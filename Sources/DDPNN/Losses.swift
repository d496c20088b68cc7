import DDPTensor

/// How a loss combines its per-element values.
public enum Reduction: String, Sendable, CaseIterable {
    case mean, sum
}

/// Cross-entropy between `logits` `[batch, classes]` and class indices (as
/// `torch.nn.functional.cross_entropy`), computed with a stable log-softmax in one
/// recorded operation.
///
/// - Parameter labelSmoothing: ε in [0, 1): the target puts 1 - ε on the true class and ε
///   spread evenly over all classes.
public func crossEntropy(
    _ logits: Tensor, targets: [Int], labelSmoothing: Float = 0, reduction: Reduction = .mean
) -> Tensor {
    precondition(logits.rank == 2, "crossEntropy expects logits [batch, classes], got \(logits.shape)")
    let (rows, classes) = (logits.shape[0], logits.shape[1])
    precondition(targets.count == rows, "crossEntropy got \(targets.count) targets for a batch of \(rows)")
    precondition((0..<1).contains(labelSmoothing), "labelSmoothing must be in [0, 1), got \(labelSmoothing)")
    for t in targets {
        precondition(t >= 0 && t < classes, "target class \(t) is out of range for \(classes) classes")
    }
    let x = logits.data
    // Keep the log-probabilities for backward: softmax = exp(logp).
    let logProbabilities = Tensor(uninitializedShape: logits.shape)
    let logp = logProbabilities.data
    var total: Double = 0
    for r in 0..<rows {
        let row = x + r * classes, out = logp + r * classes
        var maxValue = -Float.infinity
        for j in 0..<classes { maxValue = Swift.max(maxValue, row[j]) }
        var sumExp: Float = 0
        for j in 0..<classes { sumExp += expf(row[j] - maxValue) }
        let logSum = maxValue + logf(sumExp)
        var rowMean: Float = 0
        for j in 0..<classes { out[j] = row[j] - logSum; rowMean += out[j] }
        let nll = -out[targets[r]]
        let smooth = -rowMean / Float(classes)
        total += Double((1 - labelSmoothing) * nll + labelSmoothing * smooth)
    }
    let scale: Float = reduction == .mean ? 1 / Float(rows) : 1
    let result = Tensor(scalar: Float(total) * scale)
    return Tensor.record(result, name: "cross_entropy", inputs: [logits]) { ctx in
        // d/dlogits = softmax - target distribution, times the upstream scale.
        let g = ctx.gradOutput.item * scale
        let offTarget = labelSmoothing / Float(classes)
        let onTarget = 1 - labelSmoothing + offTarget
        let logp = logProbabilities.data
        ctx.withGradient(of: 0) { dst, accumulate in
            for r in 0..<rows {
                let lp = logp + r * classes, d = dst + r * classes
                for j in 0..<classes {
                    let target = j == targets[r] ? onTarget : offTarget
                    let v = g * (expf(lp[j]) - target)
                    d[j] = accumulate ? d[j] + v : v
                }
            }
        }
    }
}

/// Mean (or summed) squared error.
public func mseLoss(_ prediction: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    precondition(prediction.shape == target.shape, "mseLoss shapes differ: \(prediction.shape) and \(target.shape)")
    let difference = prediction - target
    let squared = (difference * difference).sum()
    return reduction == .mean ? squared * (1 / Float(prediction.count)) : squared
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
