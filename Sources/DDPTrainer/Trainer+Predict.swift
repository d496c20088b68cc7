import DDPData
import DDPTensor
import Foundation

extension Trainer {
    /// Runs `module`'s ``TrainingModule/predictStep(_:batchIndex:)`` once over every sample of
    /// `data`, sharded over the ranks, and returns one row of outputs per sample, on every
    /// rank, in the data set's order: Lightning's `trainer.predict(model, dataloaders)`.
    ///
    /// The result is the same, bit for bit, for any number of ranks: the data set is cut into
    /// consecutive batches of `data`'s batch size, and rank r of N predicts the batches r,
    /// r + N, r + 2N, ..., so each sample is computed in the same batch whatever N (a matrix
    /// product may round a row differently beside other rows), none twice (no padding) and
    /// none left out (`data`'s shuffling and `dropLast` do not apply). A collective: every
    /// rank calls it with the same module structure and data size.
    public func predict<Module: TrainingModule>(_ module: Module, data: DataLoader) throws -> [[Float]] {
        try randomStream.makeCurrent { try predictWithStream(module, data: data) }
    }

    private func predictWithStream<Module: TrainingModule>(_ module: Module, data: DataLoader) throws -> [[Float]] {
        try attach(module)
        self.module = module
        let wasTraining = module.isTraining
        defer {
            module.train(wasTraining)
            detach(module)
            self.module = nil
        }
        try callSetupHooks(module, .predict)
        let batches = PredictionBatches(count: data.dataset.count, batchSize: data.batchSize, worldSize: worldSize)
        module.eval()
        var outcome: Result<PredictionRows, any Error>
        do {
            outcome = .success(try noGrad {
                var rows = PredictionRows()
                for batchIndex in batches.indices(of: rank) {
                    let batch = data.dataset.batch(at: Array(batches.samples(of: batchIndex)))
                    try rows.append(module.predictStep(batch, batchIndex: batchIndex), samples: batch.count, of: type(of: module))
                }
                return rows
            })
        } catch {
            outcome = .failure(error)
        }
        // Every rank joins the gather, also after an error, so that none waits for another.
        let shards = communicator.allGather((try? outcome.get())?.encoded ?? PredictionRows.failureMark)
            .map(PredictionRows.init(encoded:))
        if case .failure(let error) = outcome { throw error }
        if let failed = shards.firstIndex(where: { $0 == nil }) {
            throw TrainerError("rank \(failed) failed in predictStep(_:batchIndex:); its own error says why")
        }
        let rows = try batches.rowsInOrder(shards.compactMap { $0 })
        try callTeardownHooks(module, .predict)
        return rows
    }
}

/// The consecutive batches a prediction pass cuts a data set into, dealt to the ranks in turn.
struct PredictionBatches {
    let count: Int
    let batchSize: Int
    let worldSize: Int

    var batchCount: Int { (count + batchSize - 1) / batchSize }

    /// The sample indices of batch `index`.
    func samples(of index: Int) -> Range<Int> { index * batchSize..<min((index + 1) * batchSize, count) }

    /// The batches of `rank`: `rank`, `rank + worldSize`, ...
    func indices(of rank: Int) -> StrideTo<Int> { stride(from: rank, to: batchCount, by: worldSize) }

    /// One row per sample, in the data set's order, from each rank's rows (in `shards`, by rank).
    func rowsInOrder(_ shards: [PredictionRows]) throws -> [[Float]] {
        let widths = Set(shards.compactMap(\.width))
        guard widths.count <= 1 else {
            throw TrainerError("predictStep(_:batchIndex:) returned \(widths.sorted()) values per sample on different ranks: return the same number on every rank")
        }
        let width = widths.first ?? 0
        var rows = [[Float]](repeating: [], count: count)
        for (rank, shard) in shards.enumerated() {
            var row = 0
            for batch in indices(of: rank) {
                for sample in samples(of: batch) {
                    rows[sample] = Array(shard.values[row * width..<(row + 1) * width])
                    row += 1
                }
            }
        }
        return rows
    }
}

/// One rank's prediction rows, flattened, in the order of its samples.
struct PredictionRows {
    /// The outputs per sample (`nil` before the first batch).
    var width: Int?
    var values: [Float] = []

    /// Appends `output`, the prediction of a batch of `samples` samples by a `moduleType`.
    mutating func append(_ output: Tensor, samples: Int, of moduleType: Any.Type) throws {
        guard output.shape.first == samples, output.count % samples == 0 else {
            throw TrainerError("\(moduleType).predictStep(_:batchIndex:) returned a tensor of shape \(output.shape) for a batch of \(samples) samples: return one row per sample, [\(samples), ...]")
        }
        let rowWidth = output.count / samples
        if let width, width != rowWidth {
            throw TrainerError("\(moduleType).predictStep(_:batchIndex:) returned \(rowWidth) values per sample after \(width): return the same number for every batch")
        }
        width = rowWidth
        values += output.scalars
    }

    /// The width (-1: none yet) as 8 little-endian bytes, then the values' bit patterns.
    var encoded: [UInt8] {
        var bytes = withUnsafeBytes(of: Int64(width ?? -1).littleEndian, Array.init)
        bytes.reserveCapacity(8 + 4 * values.count)
        for value in values { bytes += withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }
        return bytes
    }

    /// What a rank whose predict step threw sends instead of its rows.
    static let failureMark: [UInt8] = []

    /// The rows `encoded` carries, or `nil` for ``failureMark``.
    init?(encoded bytes: [UInt8]) {
        guard bytes.count >= 8 else { return nil }
        let width = bytes[0..<8].enumerated().reduce(Int64(0)) { $0 | Int64($1.element) << (8 * $1.offset) }
        self.width = width < 0 ? nil : Int(width)
        values = stride(from: 8, to: bytes.count, by: 4).map { start in
            Float(bitPattern: bytes[start..<start + 4].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) })
        }
    }

    init() {}
}
