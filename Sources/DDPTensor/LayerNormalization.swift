// Layer normalisation over the last dimension, one recorded operation with its own backward.

extension Tensor {
    /// `(x - mean) / sqrt(var + eps) · weight + bias` over the last dimension, with the biased
    /// variance (as `torch.nn.functional.layer_norm(x, [features], weight, bias, eps)`).
    ///
    /// Backward, with `x̂` the normalised input, `σ = sqrt(var + eps)` and `ĝ = dy ⊙ weight`:
    /// `dx = (ĝ - mean(ĝ) - x̂ · mean(ĝ ⊙ x̂)) / σ`, `dweight = Σ dy ⊙ x̂`, `dbias = Σ dy`,
    /// the sums over every row.
    ///
    /// - Parameters:
    ///   - weight: `[features]`, or `nil` for 1.
    ///   - bias: `[features]`, or `nil` for 0.
    public func layerNorm(weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        precondition(rank >= 1 && shape.last! > 0, "layerNorm needs a non-empty last dimension, not shape \(shape)")
        let features = shape.last!, rows = count / features
        for parameter in [weight, bias].compactMap({ $0 }) {
            precondition(parameter.shape == [features], "layerNorm weight and bias must be [\(features)], not \(parameter.shape)")
        }
        // x̂ and 1/σ per row are kept for backward.
        let normalized = Tensor(uninitializedShape: shape)
        var inverseDeviations = [Float](repeating: 0, count: rows)
        let result = Tensor(uninitializedShape: shape)
        let x = data, xHat = normalized.data, y = result.data
        for r in 0..<rows {
            let row = x + r * features, hatRow = xHat + r * features, out = y + r * features
            var mean: Float = 0
            for j in 0..<features { mean += row[j] }
            mean /= Float(features)
            var variance: Float = 0
            for j in 0..<features { let d = row[j] - mean; variance += d * d }
            variance /= Float(features)
            let inverse = 1 / (variance + eps).squareRoot()
            inverseDeviations[r] = inverse
            for j in 0..<features {
                let h = (row[j] - mean) * inverse
                hatRow[j] = h
                out[j] = h * (weight?.data[j] ?? 1) + (bias?.data[j] ?? 0)
            }
        }

        var inputs = [self]
        let weightIndex = weight.map { inputs.append($0); return inputs.count - 1 }
        let biasIndex = bias.map { inputs.append($0); return inputs.count - 1 }
        let inverses = inverseDeviations
        return Tensor.record(result, name: "layer_norm", inputs: inputs) { ctx in
            let g = ctx.gradOutput.data, xHat = normalized.data
            ctx.withGradient(of: 0) { dx, accumulate in
                var scaled = [Float](repeating: 0, count: features)
                for r in 0..<rows {
                    let gRow = g + r * features, hatRow = xHat + r * features, dRow = dx + r * features
                    var meanScaled: Float = 0, meanScaledHat: Float = 0
                    for j in 0..<features {
                        let s = gRow[j] * (weight?.data[j] ?? 1)
                        scaled[j] = s
                        meanScaled += s
                        meanScaledHat += s * hatRow[j]
                    }
                    meanScaled /= Float(features)
                    meanScaledHat /= Float(features)
                    let inverse = inverses[r]
                    for j in 0..<features {
                        let v = (scaled[j] - meanScaled - hatRow[j] * meanScaledHat) * inverse
                        dRow[j] = accumulate ? dRow[j] + v : v
                    }
                }
            }
            if let weightIndex {
                ctx.withGradient(of: weightIndex) { dWeight, accumulate in
                    if !accumulate { dWeight.update(repeating: 0, count: features) }
                    for r in 0..<rows {
                        let gRow = g + r * features, hatRow = xHat + r * features
                        for j in 0..<features { dWeight[j] += gRow[j] * hatRow[j] }
                    }
                }
            }
            if let biasIndex {
                ctx.withGradient(of: biasIndex) { dBias, accumulate in
                    if !accumulate { dBias.update(repeating: 0, count: features) }
                    for r in 0..<rows {
                        let gRow = g + r * features
                        for j in 0..<features { dBias[j] += gRow[j] }
                    }
                }
            }
        }
    }
}
