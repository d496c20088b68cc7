import Foundation

/// Where an epoch stands, as the progress display shows it. Rendering is a pure function of
/// this value, so that the text can be checked without a terminal or a clock.
public struct ProgressSnapshot: Equatable {
    /// The epoch, counted from 0; shown counted from 1, as "Epoch 1/10" for the first.
    public var epoch: Int
    /// The number of epochs of the run, when known.
    public var totalEpochs: Int?
    /// Batches finished in this epoch.
    public var batch: Int
    /// Batches in the epoch; 0 when unknown, which drops the bar and the time left.
    public var batches: Int
    /// Seconds since the epoch started.
    public var elapsed: Double
    /// The latest values to show, in order.
    public var metrics: [MetricValue]

    public init(epoch: Int, totalEpochs: Int?, batch: Int, batches: Int, elapsed: Double, metrics: [MetricValue] = []) {
        self.epoch = epoch
        self.totalEpochs = totalEpochs
        self.batch = batch
        self.batches = batches
        self.elapsed = elapsed
        self.metrics = metrics
    }

    /// The line redrawn in place on a terminal:
    /// `Epoch 2/10 [=========>          ] 45/100 00:12<00:14 3.75it/s train_loss=0.1234`.
    public func terminalLine(barWidth: Int = 20) -> String {
        var parts = [epochLabel]
        if batches > 0 {
            parts.append(Self.bar(fraction: Double(batch) / Double(batches), width: barWidth))
            parts.append("\(batch)/\(batches)")
            parts.append("\(Self.clock(elapsed))<\(remaining.map(Self.clock) ?? "--:--")")
        } else {
            parts.append("\(batch)")
            parts.append(Self.clock(elapsed))
        }
        if let rate { parts.append(rate) }
        parts += metrics.map(Self.formatted)
        return parts.joined(separator: " ")
    }

    /// A progress line for a log file, where lines are never redrawn:
    /// `Epoch 2/10: 45/100 batches (45%), 00:12 elapsed, 00:14 left, 3.75it/s, train_loss=0.1234`.
    public func plainLine() -> String {
        var parts: [String] = []
        if batches > 0 {
            let percent = batch * 100 / batches
            parts.append("\(batch)/\(batches) batches (\(percent)%)")
            parts.append("\(Self.clock(elapsed)) elapsed")
            parts.append("\(remaining.map(Self.clock) ?? "--:--") left")
        } else {
            parts.append(batchCount)
            parts.append("\(Self.clock(elapsed)) elapsed")
        }
        if let rate { parts.append(rate) }
        parts += metrics.map(Self.formatted)
        return "\(epochLabel): " + parts.joined(separator: ", ")
    }

    /// The line that closes an epoch in a log file:
    /// `Epoch 2/10 done: 100 batches in 00:27, 3.70it/s, train_loss=0.1234, val_loss=0.2`.
    public func summaryLine() -> String {
        var parts = ["\(batchCount) in \(Self.clock(elapsed))"]
        if let rate { parts.append(rate) }
        parts += metrics.map(Self.formatted)
        return "\(epochLabel) done: " + parts.joined(separator: ", ")
    }

    // MARK: - Pieces

    private var epochLabel: String {
        totalEpochs.map { "Epoch \(epoch + 1)/\($0)" } ?? "Epoch \(epoch + 1)"
    }

    private var batchCount: String { batch == 1 ? "1 batch" : "\(batch) batches" }

    /// Seconds left in the epoch at the rate so far; nil before the first batch.
    private var remaining: Double? {
        guard batch > 0, batches > 0, elapsed > 0 else { return nil }
        return elapsed / Double(batch) * Double(max(batches - batch, 0))
    }

    /// Batches per second, or seconds per batch when slower than one a second, as tqdm shows it.
    private var rate: String? {
        guard batch > 0, elapsed > 0 else { return nil }
        let perSecond = Double(batch) / elapsed
        return perSecond >= 1
            ? String(format: "%.2fit/s", perSecond)
            : String(format: "%.2fs/it", elapsed / Double(batch))
    }

    /// `[=========>          ]`: the finished part as `=`, its head as `>`.
    static func bar(fraction: Double, width: Int) -> String {
        let clamped = min(max(fraction.isFinite ? fraction : 0, 0), 1)
        let filled = Int((clamped * Double(width)).rounded(.down))
        guard filled < width else { return "[" + String(repeating: "=", count: width) + "]" }
        return "[" + String(repeating: "=", count: filled) + ">"
            + String(repeating: " ", count: width - filled - 1) + "]"
    }

    /// `mm:ss`, or `h:mm:ss` from an hour on.
    static func clock(_ seconds: Double) -> String {
        let total = seconds.isFinite ? Int(max(seconds, 0).rounded(.down)) : 0
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0
            ? String(format: "%d:%02d:%02d", hours, minutes, secs)
            : String(format: "%02d:%02d", minutes, secs)
    }

    /// `name=value` with four significant digits: `train_loss=0.1234`, `lr=1e-05`.
    static func formatted(_ metric: MetricValue) -> String {
        "\(metric.name)=\(String(format: "%.4g", metric.value))"
    }
}
