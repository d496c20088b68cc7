import DDPDistributed

/// How a logged metric's epoch value is formed from its step values, and how `syncDist`
/// combines ranks: Lightning's `reduce_fx`.
///
/// - `mean`: the mean weighted by batch size; over ranks, all ranks' samples together.
/// - `sum`: the sum of the step values; over ranks, their sum.
/// - `max`, `min`: the largest or smallest step value; over ranks, the extreme of the ranks'.
public enum ReduceFx: String, Codable, Sendable, CaseIterable {
    case mean, sum, max, min

    /// The accumulator before any value: the identity of the reduction.
    var identity: Double {
        switch self {
        case .mean, .sum: 0
        case .max: -.infinity
        case .min: .infinity
        }
    }

    /// `total` with one more step value of a batch of `batchSize` samples (only `mean` weighs).
    func accumulate(_ total: Double, _ value: Double, batchSize: Int) -> Double {
        switch self {
        case .mean: total + value * Double(batchSize)
        case .sum: total + value
        case .max: Swift.max(total, value)
        case .min: Swift.min(total, value)
        }
    }

    /// Two ranks' (or two partial) accumulators together.
    func combine(_ first: Double, _ second: Double) -> Double {
        switch self {
        case .mean, .sum: first + second
        case .max: Swift.max(first, second)
        case .min: Swift.min(first, second)
        }
    }

    /// The collective that syncs a step value over ranks; `mean` sums, then divides.
    var stepOperation: ReduceOperation {
        switch self {
        case .mean, .sum: .sum
        case .max: .max
        case .min: .min
        }
    }
}
