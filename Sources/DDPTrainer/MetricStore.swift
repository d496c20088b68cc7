import DDPDistributed
import Foundation

/// Collects what a module logs and turns it into step values, epoch means and the
/// trainer's `callbackMetrics`, averaging over ranks where asked.
///
/// Collectives happen at fixed points only (end of a training batch, end of an epoch), so
/// every rank issues them alike as long as every rank logs the same names.
final class MetricStore {
    enum Stage { case training, validation, test, idle }

    private struct StepEntry {
        var name: String
        var value: Double
        var syncDist: Bool
        var progressBar: Bool
        var reduceFx: ReduceFx
    }

    /// A metric's epoch accumulator: for `mean` the batch-size weighted sum and the samples,
    /// for the others the reduced value and the number of steps.
    private struct EpochEntry {
        var weightedSum: Double
        var weight = 0.0
        var syncDist = false
        var progressBar = false
        var reduceFx: ReduceFx
    }

    var stage = Stage.idle
    /// The number of samples in the batch being processed: the weight of epoch means.
    var currentBatchSize = 1

    private var stepEntries: [StepEntry] = []
    /// Epoch accumulators of each stage, kept apart: validation runs inside a training epoch.
    private var epochNames: [Stage: [String]] = [:]
    private var epochEntries: [Stage: [String: EpochEntry]] = [:]

    /// The latest value of every metric, over ranks where synced: what schedulers,
    /// callbacks and checkpoints decide on.
    private(set) var callbackMetrics: [String: Double] = [:]
    /// The metrics marked for the progress bar, in the order first logged.
    private(set) var progressBarMetrics: [MetricValue] = []

    /// Records a logged value. `rankZeroOnly` ones (logged by rank 0 alone) are never synced.
    func log(_ name: String, _ value: Double, onStep: Bool?, onEpoch: Bool?, progressBar: Bool, syncDist: Bool,
             reduceFx: ReduceFx = .mean, rankZeroOnly: Bool = false) {
        // Validation and test log epoch means by default, training step values.
        let evaluating = stage == .validation || stage == .test
        let logStep = onStep ?? !evaluating
        let logEpoch = onEpoch ?? evaluating
        let both = logStep && logEpoch
        if logStep {
            stepEntries.append(StepEntry(name: both ? name + "_step" : name, value: value,
                                         syncDist: syncDist && !rankZeroOnly, progressBar: progressBar, reduceFx: reduceFx))
        }
        if logEpoch {
            let key = both ? name + "_epoch" : name
            if epochEntries[stage, default: [:]][key] == nil { epochNames[stage, default: []].append(key) }
            var entry = epochEntries[stage, default: [:]][key, default: EpochEntry(weightedSum: reduceFx.identity, reduceFx: reduceFx)]
            entry.weightedSum = entry.reduceFx.accumulate(entry.weightedSum, value, batchSize: currentBatchSize)
            entry.weight += entry.reduceFx == .mean ? Double(currentBatchSize) : 1
            entry.syncDist = !rankZeroOnly && (entry.syncDist || syncDist || evaluating)
            entry.progressBar = entry.progressBar || progressBar
            epochEntries[stage, default: [:]][key] = entry
        }
    }

    /// The step values logged since the last call, `syncDist` ones reduced over ranks by
    /// their `reduceFx` (one all-reduce per kind of reduction in use).
    func finishStep(communicator: any Communicator) -> [MetricValue] {
        guard !stepEntries.isEmpty else { return [] }
        if communicator.worldSize > 1 {
            for reduceFx in ReduceFx.allCases {
                let synced = stepEntries.indices.filter { stepEntries[$0].syncDist && stepEntries[$0].reduceFx == reduceFx }
                guard !synced.isEmpty else { continue }
                var values = synced.map { stepEntries[$0].value }
                values.withUnsafeMutableBufferPointer { communicator.allReduce($0, reduceFx.stepOperation) }
                for (slot, index) in synced.enumerated() {
                    stepEntries[index].value = reduceFx == .mean ? values[slot] / Double(communicator.worldSize) : values[slot]
                }
            }
        }
        // A name logged twice in one step (e.g. by each LBFGS evaluation) keeps its last value.
        var result: [MetricValue] = []
        for entry in stepEntries {
            update(entry.name, entry.value, progressBar: entry.progressBar)
            if let existing = result.firstIndex(where: { $0.name == entry.name }) {
                result[existing].value = entry.value
            } else {
                result.append(MetricValue(name: entry.name, value: entry.value))
            }
        }
        stepEntries.removeAll(keepingCapacity: true)
        return result
    }

    /// The epoch means logged since the last call, weighted by batch size; synced ones (and
    /// every validation and test metric) over all ranks' samples.
    ///
    /// The synced means are exchanged with one all-gather of names and sums, so a rank that
    /// had no batch (a validation set smaller than the world) still agrees with the others.
    func finishEpoch(_ stage: Stage, communicator: any Communicator) throws -> [MetricValue] {
        let epochNames = self.epochNames[stage] ?? []
        let epochEntries = self.epochEntries[stage] ?? [:]
        var totals: [String: (sum: Double, weight: Double, reduceFx: ReduceFx)] = [:]
        for name in epochNames {
            let entry = epochEntries[name]!
            totals[name] = (entry.weightedSum, entry.weight, entry.reduceFx)
        }
        var names = epochNames
        if communicator.worldSize > 1 {
            let local = SyncedSums(entries: epochNames.compactMap { name in
                let entry = epochEntries[name]!
                return entry.syncDist ? .init(name: name, sum: entry.weightedSum, weight: entry.weight, reduceFx: entry.reduceFx) : nil
            })
            let gathered = try communicator.allGather(Array(SyncedSums.encoder.encode(local))).map {
                try SyncedSums.decoder.decode(SyncedSums.self, from: Data($0))
            }
            var syncedTotals: [String: (sum: Double, weight: Double, reduceFx: ReduceFx)] = [:]
            for rank in gathered {
                for entry in rank.entries {
                    if syncedTotals[entry.name] == nil && !names.contains(entry.name) { names.append(entry.name) }
                    let reduceFx = entry.reduceFx
                    let previous = syncedTotals[entry.name] ?? (reduceFx.identity, 0, reduceFx)
                    syncedTotals[entry.name] = (reduceFx.combine(previous.sum, entry.sum), previous.weight + entry.weight, reduceFx)
                }
            }
            for (name, total) in syncedTotals { totals[name] = total }
        }
        var result: [MetricValue] = []
        for name in names {
            guard let total = totals[name], total.weight > 0 else { continue }
            let value = total.reduceFx == .mean ? total.sum / total.weight : total.sum
            update(name, value, progressBar: epochEntries[name]?.progressBar ?? false)
            result.append(MetricValue(name: name, value: value))
        }
        self.epochNames[stage] = nil
        self.epochEntries[stage] = nil
        return result
    }

    // MARK: Checkpoints

    /// This rank's running training-epoch means, in the order first logged.
    var trainingEpochSums: [EpochMetricSum] {
        let entries = epochEntries[.training] ?? [:]
        return (epochNames[.training] ?? []).map { name in
            let entry = entries[name]!
            return EpochMetricSum(name: name, weightedSum: entry.weightedSum, weight: entry.weight,
                                  syncDist: entry.syncDist, progressBar: entry.progressBar, reduceFx: entry.reduceFx)
        }
    }

    /// Continues the training epoch's means from a checkpoint's sums.
    func restoreTrainingEpochSums(_ sums: [EpochMetricSum]) {
        epochNames[.training] = sums.map(\.name)
        epochEntries[.training] = Dictionary(sums.map {
            ($0.name, EpochEntry(weightedSum: $0.weightedSum, weight: $0.weight, syncDist: $0.syncDist,
                                 progressBar: $0.progressBar, reduceFx: $0.reduceFx))
        }, uniquingKeysWith: { first, _ in first })
    }

    /// Restores the latest metrics that callbacks and schedulers decide on.
    func restoreCallbackMetrics(_ values: [String: Double]) {
        callbackMetrics = values
    }

    /// Sets a metric that the trainer counts itself (`skipped_steps`), for callbacks and checkpoints.
    func remember(_ name: String, _ value: Double) { update(name, value, progressBar: false) }

    /// Forgets step values not yet finished (a skipped batch) without logging them.
    func discardStep() { stepEntries.removeAll(keepingCapacity: true) }

    /// The names the values logged so far will appear under: step values not yet finished,
    /// epoch means still accumulating, and every name already in ``callbackMetrics``.
    var namesToCome: Set<String> {
        Set(stepEntries.map(\.name)).union(epochNames.values.joined()).union(callbackMetrics.keys)
    }

    private func update(_ name: String, _ value: Double, progressBar: Bool) {
        callbackMetrics[name] = value
        if progressBar {
            if let index = progressBarMetrics.firstIndex(where: { $0.name == name }) {
                progressBarMetrics[index].value = value
            } else {
                progressBarMetrics.append(MetricValue(name: name, value: value))
            }
        }
    }
}

/// One rank's synced epoch sums, as exchanged between ranks.
private struct SyncedSums: Codable {
    struct Entry: Codable {
        var name: String
        var sum: Double
        var weight: Double
        var reduceFx: ReduceFx
    }
    var entries: [Entry]

    // A diverged metric is NaN or infinite, which plain JSON cannot hold.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }()
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }()
}
