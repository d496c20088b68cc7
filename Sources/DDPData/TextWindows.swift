import DDPTensor

/// Windows of a token stream for next-token prediction: sample `i` is the `blockSize`
/// tokens from `starts[i]` as inputs, and the same window shifted by one as targets.
///
/// A batch holds the input tokens as whole numbers in `inputs` `[count, blockSize]` and the
/// targets, row after row, in `labels` (`count · blockSize` of them).
public struct TextWindows: Dataset {
    public let tokens: [Int]
    public let blockSize: Int
    /// Where each window starts in `tokens`.
    public let starts: [Int]

    /// Every window of the stream: one starting at each token that leaves room for
    /// `blockSize` inputs and their targets. Shuffled by a loader's seeded sampler and
    /// sharded over the ranks, an epoch's batches are random windows, different on each rank.
    public init(everyWindowOf tokens: [Int], blockSize: Int) {
        precondition(blockSize >= 1 && tokens.count > blockSize,
                     "\(tokens.count) tokens hold no window of \(blockSize) inputs and their targets")
        self.tokens = tokens
        self.blockSize = blockSize
        starts = Array(0..<(tokens.count - blockSize))
    }

    /// At most `limit` windows that do not overlap, spread evenly over the stream (for
    /// validation: the same windows every time, on any number of ranks).
    public init(spreadOver tokens: [Int], blockSize: Int, limit: Int) {
        precondition(blockSize >= 1 && tokens.count > blockSize && limit >= 1,
                     "\(tokens.count) tokens hold no window of \(blockSize) inputs and their targets")
        self.tokens = tokens
        self.blockSize = blockSize
        let available = (tokens.count - 1) / blockSize
        let count = min(available, limit)
        starts = (0..<count).map { ($0 * available / count) * blockSize }
    }

    public var count: Int { starts.count }

    public func batch(at indices: [Int]) -> Batch {
        let inputs = Tensor(uninitializedShape: [indices.count, blockSize])
        var targets: [Int] = []
        targets.reserveCapacity(indices.count * blockSize)
        for (row, index) in indices.enumerated() {
            let start = starts[index]
            let out = inputs.data + row * blockSize
            for t in 0..<blockSize { out[t] = Float(tokens[start + t]) }
            targets += tokens[(start + 1)...(start + blockSize)]
        }
        return Batch(inputs: inputs, labels: targets)
    }
}
