/// Compares values with `|a − b| <= rtol·|b| + atol` and remembers the worst case, so a
/// failure message (and the printed summary) names it.
public struct Tolerance {
    public let rtol: Double
    public let atol: Double
    public private(set) var failures = 0
    public private(set) var checked = 0
    /// The largest |a − b| / |b| seen (|b| floored at atol so values near zero do not dominate).
    public private(set) var worstRelative = 0.0
    public private(set) var worstLabel = "nothing compared"
    public private(set) var firstFailure: String?

    public init(rtol: Double, atol: Double = 1e-7) {
        self.rtol = rtol
        self.atol = atol
    }

    public mutating func check(_ actual: Double, _ expected: Double, _ label: @autoclosure () -> String) {
        checked += 1
        let difference = abs(actual - expected)
        let relative = difference / max(abs(expected), atol)
        if relative > worstRelative || checked == 1 {
            worstRelative = relative
            worstLabel = "\(label()): got \(actual), expected \(expected)"
        }
        if !(difference <= rtol * abs(expected) + atol) {
            failures += 1
            if firstFailure == nil { firstFailure = "\(label()): got \(actual), expected \(expected)" }
        }
    }

    public mutating func check(_ actual: [Double], _ expected: [Double], _ label: @autoclosure () -> String) {
        guard actual.count == expected.count else {
            failures += 1
            firstFailure = firstFailure ?? "\(label()): \(actual.count) values, expected \(expected.count)"
            return
        }
        let name = label()
        for (i, (a, b)) in zip(actual, expected).enumerated() { check(a, b, "\(name)[\(i)]") }
    }

    public var passed: Bool { failures == 0 && checked > 0 }

    public var summary: String {
        "\(checked) values, \(failures) outside rtol \(rtol) + atol \(atol); worst relative error \(worstRelative) at \(worstLabel)"
            + (firstFailure.map { "; first failure: \($0)" } ?? "")
    }
}
