// Batch normalisation as one fused operation over [N, C, *]: statistics, normalisation,
// affine map and the running-statistics update in the forward; the closed-form gradient in
// the backward, without building a graph of elementwise ops.

extension Tensor {
    /// Normalises each channel of `input` (as `torch.nn.functional.batch_norm`).
    ///
    /// In training the statistics are those of the batch (over every dimension but the
    /// channel one), normalising with the biased variance; `runningMean` and `runningVariance`,
    /// when given, are then moved towards the batch's mean and *unbiased* variance:
    /// `running = (1 - momentum) · running + momentum · batch`. Outside training the running
    /// statistics normalise instead and are left alone.
    ///
    /// - Parameters:
    ///   - input: `[batch, channels]` or `[batch, channels, ...]`.
    ///   - runningMean, runningVariance: `[channels]` buffers, updated in place in training;
    ///     required outside training.
    ///   - weight, bias: `[channels]` affine parameters (γ and β), or `nil` for 1 and 0.
    ///   - momentum: how far the running statistics move towards the batch's.
    ///   - epsilon: added to the variance before the square root.
    public static func batchNorm(
        _ input: Tensor, runningMean: Tensor?, runningVariance: Tensor?, weight: Tensor?, bias: Tensor?,
        training: Bool, momentum: Float = 0.1, epsilon: Float = 1e-5
    ) -> Tensor {
        precondition(input.rank >= 2, "batchNorm expects input [batch, channels, ...], got \(input.shape)")
        let (batch, channels) = (input.shape[0], input.shape[1])
        let spatial = input.shape.dropFirst(2).reduce(1, *)
        let perChannel = batch * spatial
        for (name, tensor) in [("runningMean", runningMean), ("runningVariance", runningVariance),
                               ("weight", weight), ("bias", bias)] {
            if let tensor {
                precondition(tensor.shape == [channels], "batchNorm \(name) must be [\(channels)], not \(tensor.shape)")
            }
        }
        precondition((runningMean == nil) == (runningVariance == nil),
                     "batchNorm needs both running statistics or neither")
        precondition(training || runningMean != nil, "batchNorm outside training needs running statistics")
        precondition(!training || perChannel > 1,
                     "batchNorm in training needs more than one value per channel, got input \(input.shape)")

        let x = input.data
        // Row 0: the mean used to normalise each channel; row 1: 1 / √(variance + ε).
        let statistics = Tensor(uninitializedShape: [2, channels])
        let mean = statistics.data, inverseStd = statistics.data + channels
        if training {
            for c in 0..<channels {
                var total: Double = 0
                for n in 0..<batch {
                    let row = x + (n * channels + c) * spatial
                    for s in 0..<spatial { total += Double(row[s]) }
                }
                let channelMean = total / Double(perChannel)
                var squares: Double = 0
                for n in 0..<batch {
                    let row = x + (n * channels + c) * spatial
                    for s in 0..<spatial {
                        let d = Double(row[s]) - channelMean
                        squares += d * d
                    }
                }
                let variance = squares / Double(perChannel)
                mean[c] = Float(channelMean)
                inverseStd[c] = Float(1 / (variance + Double(epsilon)).squareRoot())
                if let runningMean, let runningVariance {
                    let unbiased = squares / Double(perChannel - 1)
                    runningMean.data[c] = (1 - momentum) * runningMean.data[c] + momentum * Float(channelMean)
                    runningVariance.data[c] = (1 - momentum) * runningVariance.data[c] + momentum * Float(unbiased)
                }
            }
        } else if let runningMean, let runningVariance {
            for c in 0..<channels {
                mean[c] = runningMean.data[c]
                inverseStd[c] = 1 / (runningVariance.data[c] + epsilon).squareRoot()
            }
        }

        let result = Tensor(uninitializedShape: input.shape)
        let out = result.data
        for c in 0..<channels {
            // y = (x - mean) · invstd · γ + β = x · scale + shift
            let scale = inverseStd[c] * (weight?.data[c] ?? 1)
            let shift = (bias?.data[c] ?? 0) - mean[c] * scale
            for n in 0..<batch {
                let offset = (n * channels + c) * spatial
                for s in 0..<spatial { out[offset + s] = x[offset + s] * scale + shift }
            }
        }

        var inputs = [input]
        let weightIndex = weight.map { inputs.append($0); return inputs.count - 1 }
        let biasIndex = bias.map { inputs.append($0); return inputs.count - 1 }
        return record(result, name: "batch_norm", inputs: inputs) { ctx in
            let g = ctx.gradOutput.data, x = input.data
            let mean = statistics.data, inverseStd = statistics.data + channels
            // Per channel: Σ dy and Σ dy · x̂, the gradients of β and γ.
            let sums = Tensor(uninitializedShape: [2, channels])
            let gradSum = sums.data, gradDotNormalized = sums.data + channels
            for c in 0..<channels {
                var sum: Float = 0, dot: Float = 0
                for n in 0..<batch {
                    let offset = (n * channels + c) * spatial
                    for s in 0..<spatial {
                        sum += g[offset + s]
                        dot += g[offset + s] * (x[offset + s] - mean[c]) * inverseStd[c]
                    }
                }
                gradSum[c] = sum
                gradDotNormalized[c] = dot
            }
            ctx.withGradient(of: 0) { dX, accumulate in
                for c in 0..<channels {
                    let gamma = weight?.data[c] ?? 1
                    let scale = gamma * inverseStd[c]
                    // Training: dx = γ·invstd/M · (M·dy - Σdy - x̂·Σ(dy·x̂)); the statistics
                    // depend on x. Evaluation: dx = γ·invstd·dy.
                    let meanGrad = training ? gradSum[c] / Float(perChannel) : 0
                    let normalizedGrad = training ? gradDotNormalized[c] / Float(perChannel) : 0
                    for n in 0..<batch {
                        let offset = (n * channels + c) * spatial
                        for s in 0..<spatial {
                            let normalized = (x[offset + s] - mean[c]) * inverseStd[c]
                            let v = scale * (g[offset + s] - meanGrad - normalized * normalizedGrad)
                            dX[offset + s] = accumulate ? dX[offset + s] + v : v
                        }
                    }
                }
            }
            if let weightIndex {
                ctx.withGradient(of: weightIndex) { dW, accumulate in
                    for c in 0..<channels { dW[c] = accumulate ? dW[c] + gradDotNormalized[c] : gradDotNormalized[c] }
                }
            }
            if let biasIndex {
                ctx.withGradient(of: biasIndex) { dB, accumulate in
                    for c in 0..<channels { dB[c] = accumulate ? dB[c] + gradSum[c] : gradSum[c] }
                }
            }
        }
    }
}
