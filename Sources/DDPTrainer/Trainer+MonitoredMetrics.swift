import DDPData
import DDPDistributed
import DDPTensor

/// A monitored metric that the module never logs: found after the first training batch, on
/// every rank alike, instead of at the first decision an epoch later.
public struct MissingMonitoredMetricError: CollectiveError, Equatable {
    public let metric: String
    public let user: String
    public let available: [String]

    public var description: String {
        let logged = available.isEmpty ? "nothing" : available.joined(separator: ", ")
        return "\(user) monitors '\(metric)', which the module does not log (it logs: \(logged)); "
            + "monitor one of those, or log '\(metric)'"
    }
}

extension Trainer {
    /// The strict monitors of schedulers and callbacks: the metric and who decides on it.
    var strictMonitors: [(metric: String, user: String)] {
        var monitors = resolvedSchedulers.compactMap { entry -> (String, String)? in
            guard let metric = entry.configuration.monitor, entry.configuration.strict else { return nil }
            return (metric, "\(type(of: entry.scheduler))")
        }
        for callback in callbacks {
            if let stopping = callback as? EarlyStopping, stopping.strict { monitors.append((stopping.monitor, "EarlyStopping")) }
            if let saver = callback as? ModelCheckpoint, let metric = saver.monitor { monitors.append((metric, "ModelCheckpoint")) }
        }
        return monitors
    }

    /// Before training, when something monitors a metric: runs the module's `validationStep`
    /// on one validation batch to learn the names validation logs. Nothing of it is kept:
    /// the values, the random stream and the module's mode are as they were.
    func discoverValidationMetricNames(_ module: some TrainingModule, loader: DataLoader?) throws {
        validationMetricNames = []
        monitorsUnchecked = !strictMonitors.isEmpty
        guard monitorsUnchecked, let loader, numValidationBatches > 0,
              let batch = loader.batches(epoch: 0).makeIterator().next() else { return }
        let kept = (metrics: metrics, generator: randomStream.generator, training: module.isTraining)
        defer {
            metrics = kept.metrics
            randomStream.generator = kept.generator
            module.train(kept.training)
        }
        metrics = MetricStore()
        metrics.stage = .validation
        metrics.currentBatchSize = batch.count
        module.eval()
        try noGrad { try module.validationStep(batch, batchIndex: 0) }
        validationMetricNames = metrics.namesToCome
    }

    /// After the first training batch: every strict monitor must name a metric that training
    /// or validation logs. Every rank logs the same names, so every rank throws alike.
    func checkMonitoredMetrics() throws {
        guard monitorsUnchecked else { return }
        monitorsUnchecked = false
        let available = metrics.namesToCome.union(validationMetricNames)
        for (metric, user) in strictMonitors where !available.contains(metric) {
            throw MissingMonitoredMetricError(metric: metric, user: user, available: available.sorted())
        }
    }
}
