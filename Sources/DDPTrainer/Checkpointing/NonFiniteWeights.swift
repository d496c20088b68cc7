import DDPDistributed
import DDPTensor

/// A checkpoint was not written because the weights hold NaN or infinite values: a
/// diverged model is never saved, so the last checkpoint written stays the last good one.
/// Every rank throws it alike (rank 0 decides and tells the others).
public struct NonFiniteWeightsError: CollectiveError, Equatable {
    public let step: Int
    /// The first tensor found with a non-finite value (known on rank 0 only).
    public let tensorName: String?

    public var description: String {
        "refusing to save a checkpoint at step \(step): the weights hold NaN or infinite values"
            + (tensorName.map { " ('\($0)' first)" } ?? "")
            + "; training diverged, and the last checkpoint written is kept"
    }
}

extension Checkpoint {
    /// The name of the first weight or buffer holding a NaN or infinity, `nil` when all are finite.
    var firstNonFiniteTensorName: String? {
        modelState.first { entry in
            let values = UnsafeBufferPointer(start: entry.tensor.data, count: entry.tensor.count)
            return !values.allSatisfy(\.isFinite)
        }?.name
    }
}
