import Foundation

/// One figure of `swift-ddp bench`: what was measured, what it is compared with, and the
/// ratio of the two. The JSON object and the table row are both rendered from it.
public struct BenchmarkResult: Sendable {
    /// The figure's stable name (`mlp-l`, `sync-10m`, `peak-rss-mlp-l`, ...).
    public var name: String
    /// What was measured, in words (model, batch, threads, ranks).
    public var summary: String
    /// Median milliseconds of the measured step (or sync, or optimizer step).
    public var medianMilliseconds: Double?
    public var samplesPerSecond: Double?
    /// What the figure is compared with.
    public var reference: String
    public var referenceMilliseconds: Double?
    public var referenceSamplesPerSecond: Double?
    /// For memory figures: the measured and the reference bytes.
    public var value: Int?
    public var referenceValue: Int?
    /// The median of ``pairedRatios`` where there are pairs, else the figure's own ratio.
    public var ratio: Double
    /// One ratio per round, each from a measurement of both sides back to back.
    public var pairedRatios: [Double]
    /// Rounds measured (or runs, for figures without pairs).
    public var rounds: Int
    /// The project's goal for ``ratio``.
    public var goal: Goal?
    /// Further figures worth reading with this one (`sgemm_ms`, `allreduce_path_ratio`), in order.
    public var details: [(key: String, value: Double)]

    public init(
        name: String, summary: String, medianMilliseconds: Double? = nil, samplesPerSecond: Double? = nil,
        reference: String, referenceMilliseconds: Double? = nil, referenceSamplesPerSecond: Double? = nil,
        value: Int? = nil, referenceValue: Int? = nil, pairedRatios: [Double], ratio: Double? = nil, rounds: Int? = nil,
        goal: Goal? = nil, details: [(key: String, value: Double)] = []
    ) {
        self.name = name
        self.summary = summary
        self.medianMilliseconds = medianMilliseconds
        self.samplesPerSecond = samplesPerSecond
        self.reference = reference
        self.referenceMilliseconds = referenceMilliseconds
        self.referenceSamplesPerSecond = referenceSamplesPerSecond
        self.value = value
        self.referenceValue = referenceValue
        self.pairedRatios = pairedRatios
        self.ratio = ratio ?? Measurement.median(pairedRatios)
        self.rounds = rounds ?? pairedRatios.count
        self.goal = goal
        self.details = details
    }

    /// A bound on a ratio: `ratio <= limit` or `ratio >= limit`.
    public struct Goal: Sendable {
        public enum Direction: String, Sendable { case atMost = "<=", atLeast = ">=" }
        public let direction: Direction
        public let limit: Double

        public static func atMost(_ limit: Double) -> Goal { Goal(direction: .atMost, limit: limit) }
        public static func atLeast(_ limit: Double) -> Goal { Goal(direction: .atLeast, limit: limit) }

        public func isMet(by ratio: Double) -> Bool {
            direction == .atMost ? ratio <= limit : ratio >= limit
        }

        /// `<= 1.10x`, `>= 2.50x`.
        public var description: String { "\(direction.rawValue) \(Measurement.format(limit))x" }
    }

    /// The spread of the paired ratios, when there are any.
    public var spread: (min: Double, max: Double)? {
        guard let low = pairedRatios.min(), let high = pairedRatios.max() else { return nil }
        return (low, high)
    }

    /// The object `--json` prints: the keys, absent where they do not apply.
    public var jsonObject: [String: Any] {
        var object: [String: Any] = ["name": name, "summary": summary, "reference": reference,
                                     "ratio": rounded(ratio, 4), "rounds": rounds]
        object["median_ms"] = medianMilliseconds.map { rounded($0, 4) }
        object["samples_per_s"] = samplesPerSecond.map { rounded($0, 1) }
        object["reference_ms"] = referenceMilliseconds.map { rounded($0, 4) }
        object["reference_samples_per_s"] = referenceSamplesPerSecond.map { rounded($0, 1) }
        object["value"] = value
        object["reference_value"] = referenceValue
        if let spread {
            object["ratio_min"] = rounded(spread.min, 4)
            object["ratio_max"] = rounded(spread.max, 4)
        }
        if let goal {
            object["goal"] = goal.description
            object["goal_met"] = goal.isMet(by: ratio)
        }
        if !details.isEmpty {
            object["details"] = Dictionary(details.map { ($0.key, rounded($0.value, 4)) }, uniquingKeysWith: { $1 })
        }
        return object
    }
}

/// `value` to `digits` decimals, and 0 for a value JSON cannot hold (NaN, infinity).
private func rounded(_ value: Double, _ digits: Int) -> Double {
    guard value.isFinite else { return 0 }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    return (value * scale).rounded() / scale
}
