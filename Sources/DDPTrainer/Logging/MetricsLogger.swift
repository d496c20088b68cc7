import Foundation

/// One named scalar in a logging event, such as `train_loss = 0.25`.
public struct MetricValue: Equatable {
    public var name: String
    public var value: Double

    public init(name: String, value: Double) {
        self.name = name
        self.value = value
    }
}

/// One logging event: the values logged at a global step.
///
/// The values keep the order in which they were logged, because the writers use it: the CSV
/// file adds columns and the plot adds panels in order of first appearance.
public struct MetricsRecord: Equatable {
    /// The global step: optimizer steps taken since the start of training.
    public var step: Int
    /// The epoch, counted from 0 as in PyTorch Lightning.
    public var epoch: Int
    /// The logged values, in logging order.
    public var values: [MetricValue]
    /// Seconds since 1970, as `Date().timeIntervalSince1970` gives; TensorBoard shows it as
    /// the relative and wall-time axes.
    public var wallTime: Double

    public init(step: Int, epoch: Int, values: [MetricValue], wallTime: Double = Date().timeIntervalSince1970) {
        self.step = step
        self.epoch = epoch
        self.values = values
        self.wallTime = wallTime
    }

    /// Takes the values as a literal that keeps its order: `values: ["train_loss": 0.25, "lr": 0.1]`.
    public init(step: Int, epoch: Int, values: KeyValuePairs<String, Double>, wallTime: Double = Date().timeIntervalSince1970) {
        self.init(
            step: step, epoch: epoch, values: values.map { MetricValue(name: $0.key, value: $0.value) },
            wallTime: wallTime)
    }

    /// The value last logged under `name` in this event, or nil when it was not logged.
    public func value(named name: String) -> Double? {
        values.last { $0.name == name }?.value
    }
}

/// Something rank 0 writes logged metrics to.
public protocol MetricsLogger: AnyObject {
    /// Writes one logging event.
    func record(_ record: MetricsRecord) throws
    /// Flushes and closes; called once at the end of fit (also on error paths).
    func finish() throws
}
