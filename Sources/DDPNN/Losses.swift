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

/// The factor a loss's element sum is multiplied by under `reduction`.
private func reductionScale(_ reduction: Reduction, count: Int) -> Float {
    reduction == .mean ? 1 / Float(Swift.max(count, 1)) : 1
}

/// Mean (or summed) absolute error `|prediction - target|` (as `torch.nn.functional.l1_loss`),
/// in one recorded operation. The gradient at a zero difference is 0, as PyTorch's sign.
public func l1Loss(_ prediction: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    precondition(prediction.shape == target.shape, "l1Loss shapes differ: \(prediction.shape) and \(target.shape)")
    let count = prediction.count
    let p = prediction.data, t = target.data
    var total: Double = 0
    for i in 0..<count { total += Double(abs(p[i] - t[i])) }
    let scale = reductionScale(reduction, count: count)
    let result = Tensor(scalar: Float(total) * Float(scale))
    return Tensor.record(result, name: "l1_loss", inputs: [prediction, target]) { ctx in
        let g = ctx.gradOutput.item * scale
        let p = prediction.data, t = target.data
        for (index, sign) in [(0, Float(1)), (1, Float(-1))] {
            ctx.withGradient(of: index) { dst, accumulate in
                let step = sign * g
                for i in 0..<count {
                    let difference = p[i] - t[i]
                    let v = difference > 0 ? step : (difference < 0 ? -step : 0)
                    dst[i] = accumulate ? dst[i] + v : v
                }
            }
        }
    }
}

/// Negative log-likelihood of class indices under `logProbabilities` `[batch, classes]`
/// (as `torch.nn.functional.nll_loss`): `-logProbabilities[i, targets[i]]`, averaged or summed.
/// Pair it with a log-softmax; ``crossEntropy(_:targets:labelSmoothing:reduction:)`` fuses both.
public func nllLoss(_ logProbabilities: Tensor, targets: [Int], reduction: Reduction = .mean) -> Tensor {
    precondition(logProbabilities.rank == 2,
                 "nllLoss expects log-probabilities [batch, classes], got \(logProbabilities.shape)")
    let (rows, classes) = (logProbabilities.shape[0], logProbabilities.shape[1])
    precondition(targets.count == rows, "nllLoss got \(targets.count) targets for a batch of \(rows)")
    for t in targets {
        precondition(t >= 0 && t < classes, "target class \(t) is out of range for \(classes) classes")
    }
    let lp = logProbabilities.data
    var total: Double = 0
    for r in 0..<rows { total -= Double(lp[r * classes + targets[r]]) }
    let scale = reductionScale(reduction, count: rows)
    let result = Tensor(scalar: Float(total) * scale)
    return Tensor.record(result, name: "nll_loss", inputs: [logProbabilities]) { ctx in
        let g = ctx.gradOutput.item * scale
        ctx.withGradient(of: 0) { dst, accumulate in
            if !accumulate { dst.update(repeating: 0, count: rows * classes) }
            for r in 0..<rows { dst[r * classes + targets[r]] -= g }
        }
    }
}

/// Binary cross-entropy between `probabilities` in [0, 1] and `targets` of the same shape
/// (as `torch.nn.functional.binary_cross_entropy`):
/// `-(t · log p + (1 - t) · log(1 - p))`, each logarithm clamped at -100 as PyTorch does,
/// so a confident wrong answer costs 100 rather than infinity.
public func binaryCrossEntropy(_ probabilities: Tensor, targets: Tensor, reduction: Reduction = .mean) -> Tensor {
    precondition(probabilities.shape == targets.shape,
                 "binaryCrossEntropy shapes differ: \(probabilities.shape) and \(targets.shape)")
    let count = probabilities.count
    let p = probabilities.data, t = targets.data
    var total: Double = 0
    for i in 0..<count {
        precondition(p[i] >= 0 && p[i] <= 1, "binaryCrossEntropy probabilities must be in [0, 1], got \(p[i])")
        total -= Double(t[i] * clampedLog(p[i]) + (1 - t[i]) * clampedLog(1 - p[i]))
    }
    let scale = reductionScale(reduction, count: count)
    let result = Tensor(scalar: Float(total) * scale)
    return Tensor.record(result, name: "binary_cross_entropy", inputs: [probabilities, targets]) { ctx in
        let g = ctx.gradOutput.item * scale
        let p = probabilities.data, t = targets.data
        ctx.withGradient(of: 0) { dst, accumulate in
            // d/dp = (p - t) / (p (1 - p)), the denominator kept from 0 as PyTorch (1e-12).
            for i in 0..<count {
                let v = g * (p[i] - t[i]) / Swift.max(p[i] * (1 - p[i]), 1e-12)
                dst[i] = accumulate ? dst[i] + v : v
            }
        }
        ctx.withGradient(of: 1) { dst, accumulate in
            // d/dt = log(1 - p) - log p, with the clamped logarithms of the forward.
            for i in 0..<count {
                let v = g * (clampedLog(1 - p[i]) - clampedLog(p[i]))
                dst[i] = accumulate ? dst[i] + v : v
            }
        }
    }
}

/// Binary cross-entropy of `sigmoid(logits)` against `targets`, computed from the logits in a
/// stable form (as `torch.nn.functional.binary_cross_entropy_with_logits`):
/// `max(x, 0) - x · t + log(1 + exp(-|x|))`.
public func binaryCrossEntropyWithLogits(_ logits: Tensor, targets: Tensor, reduction: Reduction = .mean) -> Tensor {
    precondition(logits.shape == targets.shape,
                 "binaryCrossEntropyWithLogits shapes differ: \(logits.shape) and \(targets.shape)")
    let count = logits.count
    let x = logits.data, t = targets.data
    var total: Double = 0
    for i in 0..<count {
        total += Double(Swift.max(x[i], 0) - x[i] * t[i] + log1pf(expf(-abs(x[i]))))
    }
    let scale = reductionScale(reduction, count: count)
    let result = Tensor(scalar: Float(total) * scale)
    return Tensor.record(result, name: "binary_cross_entropy_with_logits", inputs: [logits, targets]) { ctx in
        let g = ctx.gradOutput.item * scale
        let x = logits.data, t = targets.data
        ctx.withGradient(of: 0) { dst, accumulate in
            // d/dx = sigmoid(x) - t, with sigmoid written so that exp never overflows.
            for i in 0..<count {
                let e = expf(-abs(x[i]))
                let sigmoid = x[i] >= 0 ? 1 / (1 + e) : e / (1 + e)
                let v = g * (sigmoid - t[i])
                dst[i] = accumulate ? dst[i] + v : v
            }
        }
        ctx.withGradient(of: 1) { dst, accumulate in   // d/dt = -x
            for i in 0..<count {
                let v = -g * x[i]
                dst[i] = accumulate ? dst[i] + v : v
            }
        }
    }
}

/// `log(x)` no lower than -100, PyTorch's clamp in binary cross-entropy.
@inline(__always)
private func clampedLog(_ x: Float) -> Float { Swift.max(logf(x), -100) }

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
