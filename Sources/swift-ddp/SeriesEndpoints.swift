import DDPTrainer

/// Keeps the first and the last logged value of one metric, with their steps: what a run's
/// summary line shows of a series, in constant memory however long the run.
final class SeriesEndpoints: MetricsLogger {
    let metric: String
    private(set) var first: (step: Int, value: Double)?
    private(set) var last: (step: Int, value: Double)?

    init(metric: String) {
        self.metric = metric
    }

    func record(_ record: MetricsRecord) throws {
        guard let value = record.value(named: metric) else { return }
        if first == nil { first = (record.step, value) } else { last = (record.step, value) }
    }

    func finish() throws {}
}
