/// Whether a checkpoint can be continued exactly by the run being started.
///
/// A resumed run repeats the interrupted one bit for bit only if it reads the same samples in
/// the same order and takes the same steps: the same seed, global batch size, training set,
/// accumulation and batches per epoch, and the same values of the run-configuration keys the
/// caller marked as exact (model, learning rate...). The number of ranks may differ (the
/// global batches continue from the same sample); limits, logging and checkpoint options may
/// differ too.
enum ResumeCompatibility {
    /// Each difference in words (`"seed 3 (checkpoint 1)"`); empty when the resume is exact.
    static func differences(
        saved checkpoint: Checkpoint, current: RunShape, batchesInEpoch: Int,
        runConfiguration: [String: String], exactKeys: Set<String>
    ) -> [String] {
        let saved = checkpoint.run
        var result: [String] = []
        func compare<T: Equatable>(_ name: String, _ now: T, _ then: T, _ show: (T) -> String) {
            if now != then { result.append("\(name) \(show(now)) (checkpoint \(show(then)))") }
        }
        compare("seed", current.seed, saved.seed) { $0.map(String.init) ?? "none" }
        compare("data order seed", current.dataOrderSeed, saved.dataOrderSeed) { $0.map(String.init) ?? "unshuffled" }
        compare("global batch size", current.globalBatchSize, saved.globalBatchSize, String.init)
        compare("training set size", current.trainingSetSize, saved.trainingSetSize, String.init)
        compare("accumulateGradBatches", current.accumulateGradBatches, saved.accumulateGradBatches, String.init)
        if result.isEmpty {
            // Follows from the above unless a batch limit changed.
            compare("batches per epoch", batchesInEpoch, checkpoint.progress.batchesInEpoch, String.init)
        }
        let keys = exactKeys.union(checkpoint.exactConfigurationKeys).sorted()
        for key in keys {
            compare(key, runConfiguration[key], checkpoint.runConfiguration[key]) { $0 ?? "default" }
        }
        return result
    }
}
