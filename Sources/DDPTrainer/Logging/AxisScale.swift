import Foundation

/// A chart axis: its range widened to round numbers, and the ticks on it with their labels.
struct AxisScale: Equatable {
    var lower: Double
    var upper: Double
    var ticks: [Double]
    var labels: [String]

    /// An axis over `minimum...maximum` with about `targetTickCount` ticks at multiples of 1, 2
    /// or 5 times a power of ten, so that labels are short round numbers. A single value gets
    /// room around it. `integral` keeps ticks on whole numbers, for steps.
    init(minimum: Double, maximum: Double, targetTickCount: Int = 5, integral: Bool = false) {
        precondition(minimum.isFinite && maximum.isFinite && minimum <= maximum)
        var low = minimum, high = maximum
        if low == high {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            (low, high) = (low - pad, high + pad)
        }
        var step = Self.niceStep(for: (high - low) / Double(max(targetTickCount, 1)))
        if integral { step = max(step, 1) }
        guard step.isFinite, step > 0, (high - low).isFinite else {
            // Values near the limits of Double: show the two ends alone.
            lower = low
            upper = high
            ticks = [low, high]
            labels = ticks.map { String(format: "%.3g", $0) }
            return
        }
        // The tolerance keeps a bound that is a multiple of the step up to rounding, such as
        // 0.11 / 0.005, from gaining a tick.
        let lowMultiple = low / step, highMultiple = high / step
        let first = (lowMultiple + 1e-9 * max(1, abs(lowMultiple))).rounded(.down)
        let last = (highMultiple - 1e-9 * max(1, abs(highMultiple))).rounded(.up)
        ticks = stride(from: first, through: last, by: 1).map { $0 * step }
        lower = ticks.first!
        upper = ticks.last!
        labels = Self.labels(for: ticks, step: step)
    }

    /// The smallest of 1, 2, 5 times a power of ten that is at least about `raw`.
    static func niceStep(for raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let power = pow(10, (log10(raw)).rounded(.down))
        let fraction = raw / power
        let nice: Double = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        return nice * power
    }

    /// Labels with just the decimals `step` needs; `1.5M` and `200k` for large values, and
    /// exponent notation for tiny ones.
    static func labels(for ticks: [Double], step: Double) -> [String] {
        let magnitude = ticks.map(abs).max() ?? 0
        // The tolerance keeps a step of 0.1, whose logarithm is not exactly -1, at one decimal.
        func decimals(_ step: Double) -> Int { min(max(0, Int((-log10(step) - 1e-9).rounded(.up))), 9) }
        if magnitude >= 1e5 {
            let (unit, suffix): (Double, String) = magnitude >= 1e9 ? (1e9, "G") : magnitude >= 1e6 ? (1e6, "M") : (1e3, "k")
            if magnitude / unit >= 1e5 { return ticks.map { $0 == 0 ? "0" : String(format: "%.3g", $0) } }
            let places = decimals(step / unit)
            return ticks.map { $0 == 0 ? "0" : String(format: "%.\(places)f", $0 / unit) + suffix }
        }
        if magnitude < 1e-3 {
            return ticks.map { abs($0) < step / 2 ? "0" : String(format: "%.3g", $0) }
        }
        let places = decimals(step)
        return ticks.map { abs($0) < step / 2 ? "0" : String(format: "%.\(places)f", $0) }
    }
}
