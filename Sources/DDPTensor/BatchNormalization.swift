// Batch normalisation as one fused operation over [N, C, *]: statistics, normalisation,
// affine map and the running-statistics update in the forward; the closed-form gradient in
// the backward, without building a graph of elementwise ops.
//
// With a statistics reduction (SyncBatchNorm), the batch is the union of every replica's:
// the forward sums per-channel Σx, Σx² and the count over replicas, the backward sums Σdy
// and Σdy·x̂, so each replica normalises and differentiates as one process holding the
// whole batch would (as torch.nn.SyncBatchNorm).

/// Sums a buffer over every replica, in place (an all-reduce); every replica calls it at
/// the same points with buffers of the same size.
public typealias BatchStatisticsReduction = (UnsafeMutableBufferPointer<Double>) -> Void

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
    ///   - reduction: in training, sums the batch statistics over replicas, so that they are
    ///     those of every replica's batch together (`nil`: this batch alone).
    public static func batchNorm(
        _ input: Tensor, runningMean: Tensor?, runningVariance: Tensor?, weight: Tensor?, bias: Tensor?,
        training: Bool, momentum: Float = 0.1, epsilon: Float = 1e-5, reduction: BatchStatisticsReduction? = nil
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
        precondition(!training || perChannel > 1 || reduction != nil,
                     "batchNorm in training needs more than one value per channel, got input \(input.shape)")

        let x = input.data
        // Row 0: the mean used to normalise each channel; row 1: 1 / √(variance + ε).
        let statistics = Tensor(uninitializedShape: [2, channels])
        let mean = statistics.data, inverseStd = statistics.data + channels
        // Values per channel in the batch normalised: every replica's together when reduced.
        var count = perChannel
        if training {
            let batchStatistics = reduction.map {
                BatchStatistics(overReplicasOf: x, batch: batch, channels: channels, spatial: spatial, reduction: $0)
            } ?? BatchStatistics(of: x, batch: batch, channels: channels, spatial: spatial)
            count = batchStatistics.count
            precondition(count > 1, "batchNorm in training needs more than one value per channel over all replicas")
            for c in 0..<channels {
                let (channelMean, variance) = (batchStatistics.mean[c], batchStatistics.variance[c])
                mean[c] = Float(channelMean)
                inverseStd[c] = Float(1 / (variance + Double(epsilon)).squareRoot())
                if let runningMean, let runningVariance {
                    let unbiased = variance * Double(count) / Double(count - 1)
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
                RunKernels.scaleAndShift(x + offset, scale: scale, shift: shift, into: out + offset, count: spatial)
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
                var sum: Double = 0, dot: Double = 0
                for n in 0..<batch {
                    let offset = (n * channels + c) * spatial
                    let run = RunKernels.sumAndCenteredDot(g + offset, x + offset, center: mean[c], count: spatial)
                    sum += Double(run.sum)
                    dot += Double(run.dot)
                }
                gradSum[c] = Float(sum)
                gradDotNormalized[c] = Float(dot * Double(inverseStd[c]))
            }
            // The statistics came from every replica's batch, so x's gradient through them sums
            // over replicas too; γ's and β's stay this replica's (the gradient sync adds them).
            var inputSums = (0..<(2 * channels)).map { Double(sums.data[$0]) }
            if training, let reduction, ctx.needsGrad(0) {
                inputSums.withUnsafeMutableBufferPointer { reduction($0) }
            }
            ctx.withGradient(of: 0) { dX, accumulate in
                for c in 0..<channels {
                    let gamma = weight?.data[c] ?? 1
                    let scale = gamma * inverseStd[c]
                    // Training: dx = γ·invstd/M · (M·dy - Σdy - x̂·Σ(dy·x̂)); the statistics
                    // depend on x. Evaluation: dx = γ·invstd·dy.
                    let meanGrad = training ? Float(inputSums[c] / Double(count)) : 0
                    let normalizedGrad = training ? Float(inputSums[channels + c] / Double(count)) : 0
                    // scale·(dy - meanGrad - (x - mean)·invstd·normalizedGrad) = a·dy + b·(x - mean) + c.
                    for n in 0..<batch {
                        let offset = (n * channels + c) * spatial
                        RunKernels.affineCombination(g + offset, x + offset, a: scale, b: -scale * inverseStd[c] * normalizedGrad,
                                                     center: mean[c], c: -scale * meanGrad,
                                                     into: dX + offset, count: spatial, accumulate: accumulate)
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

/// The mean and biased variance of each channel of `[N, C, spatial]` values, and how many
/// values each channel holds.
private struct BatchStatistics {
    var mean: [Double]
    var variance: [Double]
    var count: Int

    /// Two passes over this batch: the mean, then the squared deviations from it (each run
    /// of a plane summed in float lanes, the runs in double).
    init(of x: UnsafePointer<Float>, batch: Int, channels: Int, spatial: Int) {
        count = batch * spatial
        mean = Array(repeating: 0, count: channels)
        variance = Array(repeating: 0, count: channels)
        for c in 0..<channels {
            var total: Double = 0
            for n in 0..<batch {
                total += Double(RunKernels.sum(x + (n * channels + c) * spatial, count: spatial))
            }
            let channelMean = total / Double(count)
            // Deviations from the float mean: what is left of the mean's rounding, m, adds
            // m² to each square; subtracted below.
            let center = Float(channelMean), residual = Double(center) - channelMean
            var squares: Double = 0
            for n in 0..<batch {
                squares += Double(RunKernels.squaredDeviations(x + (n * channels + c) * spatial, from: center, count: spatial))
            }
            mean[c] = channelMean
            variance[c] = Swift.max(squares / Double(count) - residual * residual, 0)
        }
    }

    /// Over every replica's batch: one reduction of Σx, Σx² per channel and the count, in
    /// double precision across runs (so E[x²] - E[x]² loses nothing that matters for float inputs).
    init(overReplicasOf x: UnsafePointer<Float>, batch: Int, channels: Int, spatial: Int,
         reduction: BatchStatisticsReduction) {
        var sums = [Double](repeating: 0, count: 2 * channels + 1)
        for c in 0..<channels {
            var total: Double = 0, squares: Double = 0
            for n in 0..<batch {
                let run = RunKernels.sumAndSquares(x + (n * channels + c) * spatial, count: spatial)
                total += Double(run.sum)
                squares += Double(run.squares)
            }
            sums[c] = total
            sums[channels + c] = squares
        }
        sums[2 * channels] = Double(batch * spatial)
        sums.withUnsafeMutableBufferPointer { reduction($0) }
        count = Int(sums[2 * channels].rounded())
        let n = Double(Swift.max(count, 1))
        mean = (0..<channels).map { sums[$0] / n }
        variance = (0..<channels).map { c in Swift.max(sums[channels + c] / n - (sums[c] / n) * (sums[c] / n), 0) }
    }
}
