import DDPTensor

/// Scales gradients so that their joint norm is at most `maxNorm`, as
/// `torch.nn.utils.clip_grad_norm_`, and returns the joint norm before clipping.
///
/// The norm of the concatenated gradients is computed in Double (`normType` p: (Σ|g|ᵖ)^(1/p);
/// `.infinity`: max |g|); every gradient is then multiplied by
/// `min(1, maxNorm / (norm + 1e-6))`. Parameters without a gradient are skipped.
///
/// - Throws: when `errorIfNonFinite` is set and the norm is NaN or infinite, or when
///   `maxNorm` or `normType` is invalid.
@discardableResult
public func clipGradNorm(
    _ parameters: [Tensor], maxNorm: Double, normType: Double = 2, errorIfNonFinite: Bool = false
) throws -> Double {
    try OptimizerError.require(maxNorm >= 0, "clipGradNorm: invalid maxNorm \(maxNorm): use maxNorm >= 0")
    try OptimizerError.require(normType > 0, "clipGradNorm: invalid normType \(normType): use a p > 0 or .infinity")
    let gradients = parameters.compactMap(\.grad)
    guard !gradients.isEmpty else { return 0 }
    let total = gradientNorm(parameters, normType: normType)
    if errorIfNonFinite && !total.isFinite {
        throw OptimizerError("clipGradNorm: the total norm of order \(normType) of the gradients is \(total): the gradients are non-finite; pass errorIfNonFinite: false to clip anyway")
    }
    let coefficient = Float(min(maxNorm / (total + 1e-6), 1))
    for gradient in gradients {
        let g = gradient.data
        for i in 0..<gradient.count { g[i] *= coefficient }
    }
    return total
}

/// The joint norm of the parameters' gradients, computed in Double (`normType` p:
/// (Σ|g|ᵖ)^(1/p); `.infinity`: max |g|); parameters without a gradient are skipped.
public func gradientNorm(_ parameters: [Tensor], normType: Double = 2) -> Double {
    var total = 0.0
    for gradient in parameters.compactMap(\.grad) {
        let g = gradient.data
        if normType == .infinity {
            for i in 0..<gradient.count { total = max(total, Double(abs(g[i]))) }
        } else if normType == 2 {
            for i in 0..<gradient.count { total += Double(g[i]) * Double(g[i]) }
        } else if normType == 1 {
            for i in 0..<gradient.count { total += Double(abs(g[i])) }
        } else {
            for i in 0..<gradient.count { total += power(Double(abs(g[i])), normType) }
        }
    }
    if normType == 2 { return total.squareRoot() }
    if normType != 1 && normType != .infinity { return power(total, 1 / normType) }
    return total
}

/// Clamps every gradient element to `[-clipValue, clipValue]`, as `torch.nn.utils.clip_grad_value_`.
public func clipGradValue(_ parameters: [Tensor], clipValue: Double) throws {
    try OptimizerError.require(clipValue >= 0, "clipGradValue: invalid clipValue \(clipValue): use clipValue >= 0")
    let bound = Float(clipValue)
    for gradient in parameters.compactMap(\.grad) {
        let g = gradient.data
        for i in 0..<gradient.count { g[i] = min(max(g[i], -bound), bound) }
    }
}

#if canImport(Glibc)
import Glibc
private func power(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
#elseif canImport(Darwin)
import Darwin
private func power(_ x: Double, _ y: Double) -> Double { Darwin.pow(x, y) }
#endif
