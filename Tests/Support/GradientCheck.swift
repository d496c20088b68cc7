import DDPTensor

/// The largest disagreement between autograd and central differences, per input.
public struct GradientCheckReport: CustomStringConvertible {
    public var worst: [(input: Int, index: Int, analytic: Double, numeric: Double)] = []
    public var passed: Bool
    public var description: String {
        worst.map { "input \($0.input)[\($0.index)]: autograd \($0.analytic), central difference \($0.numeric)" }
            .joined(separator: "; ")
    }
}

/// Compares the gradient autograd computes for `function` against central differences.
///
/// The scalar objective is `Σ function(inputs) ⊙ R` for a fixed random `R`, so every output
/// element is checked with its own weight. The check passes when, for every element,
/// `|analytic - numeric| <= atol + rtol · |numeric|`; in Float32 a step of 1e-2 with
/// tolerances near 1e-2 still catches a wrong formula (a factor or a sign).
public func checkGradients(
    _ inputs: [Tensor], step: Float = 1e-2, rtol: Double = 2e-2, atol: Double = 2e-3, seed: UInt64 = 7,
    _ function: ([Tensor]) -> Tensor
) -> GradientCheckReport {
    for input in inputs { input.requiresGrad = true; input.grad = nil }
    let output = function(inputs)
    var generator = RandomGenerator(seed: seed)
    let weights = Tensor.randn(output.shape, using: &generator)
    (output * weights).sum().backward()

    func objective() -> Double {
        noGrad {
            let out = function(inputs)
            var total: Double = 0
            for i in 0..<out.count { total += Double(out.data[i]) * Double(weights.data[i]) }
            return total
        }
    }

    var report = GradientCheckReport(passed: true)
    for (k, input) in inputs.enumerated() {
        var worstError = -1.0
        var worstEntry = (input: k, index: 0, analytic: 0.0, numeric: 0.0)
        for i in 0..<input.count {
            let original = input.data[i]
            input.data[i] = original + step
            let plus = objective()
            input.data[i] = original - step
            let minus = objective()
            input.data[i] = original
            let numeric = (plus - minus) / (2 * Double(step))
            let analytic = Double(input.grad?.data[i] ?? 0)
            let error = abs(analytic - numeric) - (atol + rtol * abs(numeric))
            if error > worstError { worstError = error; worstEntry = (k, i, analytic, numeric) }
            if error > 0 { report.passed = false }
        }
        report.worst.append(worstEntry)
    }
    return report
}

/// `true` when every element satisfies `|a - b| <= atol + rtol · |b|`.
public func allClose(_ a: [Float], _ b: [Float], rtol: Float = 1e-5, atol: Float = 1e-6) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= atol + rtol * abs($1) }
}

/// The largest relative difference between two arrays, for messages.
public func maxRelativeDifference(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).map { abs($0 - $1) / max(abs($1), 1e-12) }.max() ?? 0
}
