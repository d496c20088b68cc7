import DDPTensor

/// Samples gathered for one step: inputs stacked along a new first dimension, with class
/// labels (classification) or target tensors (regression).
public struct Batch {
    /// `[count, ...]`.
    public var inputs: Tensor
    /// Class indices, one per sample; empty when the data has none.
    public var labels: [Int]
    /// Regression targets `[count, ...]`, when the data has them.
    public var targets: Tensor?

    public init(inputs: Tensor, labels: [Int] = [], targets: Tensor? = nil) {
        self.inputs = inputs
        self.labels = labels
        self.targets = targets
    }

    /// The number of samples.
    public var count: Int { inputs.shape.first ?? 0 }
}

/// A finite, indexable collection of samples.
public protocol Dataset {
    /// The number of samples.
    var count: Int { get }
    /// The samples at `indices`, in that order, as one batch.
    func batch(at indices: [Int]) -> Batch
}

/// A data set held in memory: one row of `inputs` per sample, with labels or targets.
public struct TensorDataset: Dataset {
    public let inputs: Tensor
    public let labels: [Int]
    public let targets: Tensor?

    /// Samples for classification: `labels[i]` is the class of row `i` of `inputs`.
    public init(inputs: Tensor, labels: [Int]) {
        precondition(inputs.rank >= 1 && inputs.shape[0] == labels.count,
                     "\(labels.count) labels for \(inputs.shape.first ?? 0) samples")
        self.inputs = inputs
        self.labels = labels
        self.targets = nil
    }

    /// Samples for regression: row `i` of `targets` belongs to row `i` of `inputs`.
    public init(inputs: Tensor, targets: Tensor) {
        precondition(inputs.rank >= 1 && targets.rank >= 1 && inputs.shape[0] == targets.shape[0],
                     "\(targets.shape.first ?? 0) targets for \(inputs.shape.first ?? 0) samples")
        self.inputs = inputs
        self.labels = []
        self.targets = targets
    }

    public var count: Int { inputs.shape[0] }

    /// The number of classes (one more than the largest label), or 0 without labels.
    public var classCount: Int { (labels.max() ?? -1) + 1 }

    public func batch(at indices: [Int]) -> Batch {
        Batch(inputs: TensorDataset.gatherRows(inputs, indices),
              labels: labels.isEmpty ? [] : indices.map { labels[$0] },
              targets: targets.map { TensorDataset.gatherRows($0, indices) })
    }

    /// Rows `indices` of `source`, copied into a new tensor.
    static func gatherRows(_ source: Tensor, _ indices: [Int]) -> Tensor {
        let rowSize = source.count / Swift.max(source.shape[0], 1)
        let result = Tensor(uninitializedShape: [indices.count] + source.shape.dropFirst())
        for (row, index) in indices.enumerated() {
            precondition(index >= 0 && index < source.shape[0], "sample \(index) is out of range for \(source.shape[0])")
            (result.data + row * rowSize).update(from: source.data + index * rowSize, count: rowSize)
        }
        return result
    }
}

/// The samples of `base` at `indices`, as a data set of its own.
public struct Subset: Dataset {
    public let base: any Dataset
    public let indices: [Int]

    public init(_ base: any Dataset, indices: [Int]) {
        self.base = base
        self.indices = indices
    }

    public var count: Int { indices.count }
    public func batch(at positions: [Int]) -> Batch { base.batch(at: positions.map { indices[$0] }) }
}

/// Splits `dataset` into training and validation parts: a `validationFraction` share of the
/// samples, chosen by a permutation drawn from `seed` alone (the same on every rank and for
/// any number of ranks). Validation keeps dataset order.
public func randomSplit(
    _ dataset: any Dataset, validationFraction: Double, seed: UInt64
) throws -> (training: Subset, validation: Subset) {
    guard (0..<1).contains(validationFraction) else {
        throw DataError.invalidArgument("the validation fraction must be in [0, 1), got \(validationFraction)")
    }
    var generator = RandomGenerator(seed: seed ^ 0x5EED_5EED)
    var order = Array(0..<dataset.count)
    order.shuffle(using: &generator)
    let validationCount = Int((Double(dataset.count) * validationFraction).rounded())
    guard dataset.count - validationCount > 0 else {
        throw DataError.invalidArgument("no training samples left after a validation split of \(validationFraction)")
    }
    return (Subset(dataset, indices: Array(order[validationCount...]).sorted()),
            Subset(dataset, indices: Array(order[..<validationCount]).sorted()))
}
