import DDPTensor

/// Batch normalisation of each channel (dimension 1), the part shared by ``BatchNorm1d`` and
/// ``BatchNorm2d`` (as PyTorch's `_BatchNorm`).
///
/// State dict entries, in PyTorch's order: `weight`, `bias` (γ and β, when `affine`), then the
/// buffers `running_mean`, `running_var`, `num_batches_tracked` (when tracking running
/// statistics). In training mode a batch is normalised with its own statistics (biased
/// variance) and the running statistics move towards them (unbiased variance); in evaluation
/// mode the running statistics normalise.
public class BatchNormalization: Module, Layer {
    /// γ, `[features]`, initialised to ones; `nil` without `affine`.
    public let weight: Tensor?
    /// β, `[features]`, initialised to zeros; `nil` without `affine`.
    public let bias: Tensor?
    /// `running_mean`, `[features]`, initialised to zeros.
    public let runningMean: Tensor?
    /// `running_var`, `[features]`, initialised to ones.
    public let runningVariance: Tensor?
    /// `num_batches_tracked`: training batches seen, a scalar.
    public let batchesTracked: Tensor?
    public let epsilon: Float
    /// How far the running statistics move towards each batch's; `nil` for a cumulative
    /// average over every batch seen.
    public var momentum: Float?
    /// The number of channels normalised.
    public let features: Int
    /// In training, sums the batch statistics over every replica, so that they are those of
    /// all replicas' batches together (as `torch.nn.SyncBatchNorm`); `nil`: this batch alone.
    /// The trainer sets it during `fit` with `syncBatchNorm`.
    public var statisticsReduction: BatchStatisticsReduction?
    private let acceptedRanks: Set<Int>
    private let layerName: String

    init(_ features: Int, epsilon: Float, momentum: Float?, affine: Bool, trackRunningStatistics: Bool,
         acceptedRanks: Set<Int>, layerName: String) {
        precondition(features > 0, "\(layerName) needs a positive number of features, not \(features)")
        weight = affine ? Tensor.ones([features], requiresGrad: true) : nil
        bias = affine ? Tensor.zeros([features], requiresGrad: true) : nil
        runningMean = trackRunningStatistics ? Tensor.zeros([features]) : nil
        runningVariance = trackRunningStatistics ? Tensor.ones([features]) : nil
        batchesTracked = trackRunningStatistics ? Tensor.zeros([]) : nil
        self.epsilon = epsilon
        self.momentum = momentum
        self.features = features
        self.acceptedRanks = acceptedRanks
        self.layerName = layerName
    }

    public override var namedLocalParameters: [(String, Tensor)] {
        [weight.map { ("weight", $0) }, bias.map { ("bias", $0) }].compactMap { $0 }
    }

    public override var namedLocalBuffers: [(String, Tensor)] {
        [runningMean.map { ("running_mean", $0) }, runningVariance.map { ("running_var", $0) },
         batchesTracked.map { ("num_batches_tracked", $0) }].compactMap { $0 }
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(acceptedRanks.contains(input.rank) && input.shape[1] == features,
                     "\(layerName)(\(features)) expects input of rank \(acceptedRanks.sorted().map(String.init).joined(separator: " or ")) with \(features) channels in dimension 1, got \(input.shape)")
        var factor = momentum ?? 0
        if isTraining, let batchesTracked {
            batchesTracked.data[0] += 1
            if momentum == nil { factor = 1 / batchesTracked.data[0] }
        }
        // Without running statistics, batch statistics serve in evaluation too (as PyTorch).
        let useBatchStatistics = isTraining || runningMean == nil
        return Tensor.batchNorm(input, runningMean: runningMean, runningVariance: runningVariance,
                                weight: weight, bias: bias, training: useBatchStatistics,
                                momentum: isTraining ? factor : 0, epsilon: epsilon,
                                reduction: isTraining ? statisticsReduction : nil)
    }
}

/// Batch normalisation over `[batch, features]` or `[batch, features, length]` (as `torch.nn.BatchNorm1d`).
public final class BatchNorm1d: BatchNormalization {
    public init(_ features: Int, epsilon: Float = 1e-5, momentum: Float? = 0.1, affine: Bool = true,
                trackRunningStatistics: Bool = true) {
        super.init(features, epsilon: epsilon, momentum: momentum, affine: affine,
                   trackRunningStatistics: trackRunningStatistics, acceptedRanks: [2, 3], layerName: "BatchNorm1d")
    }
}

/// Batch normalisation over `[batch, channels, height, width]` (as `torch.nn.BatchNorm2d`).
public final class BatchNorm2d: BatchNormalization {
    public init(_ features: Int, epsilon: Float = 1e-5, momentum: Float? = 0.1, affine: Bool = true,
                trackRunningStatistics: Bool = true) {
        super.init(features, epsilon: epsilon, momentum: momentum, affine: affine,
                   trackRunningStatistics: trackRunningStatistics, acceptedRanks: [4], layerName: "BatchNorm2d")
    }
}
