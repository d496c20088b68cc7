import DDPOptim
import DDPTensor
import Foundation

/// The directory holding the PyTorch reference traces, shipped beside these tests.
let referenceDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().appendingPathComponent("Fixtures")

/// Decodes a reference file (keys in snake case become camel case).
func loadReference<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    let data = try Data(contentsOf: referenceDirectory.appendingPathComponent(name))
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(T.self, from: data)
}

/// Compares values with `|a − b| <= rtol·|b| + atol` and remembers the worst case, so a
/// failure message (and the printed summary) names it.
struct Tolerance {
    let rtol: Double
    let atol: Double
    private(set) var failures = 0
    private(set) var checked = 0
    /// The largest |a − b| / |b| seen (|b| floored at atol so values near zero do not dominate).
    private(set) var worstRelative = 0.0
    private(set) var worstLabel = "nothing compared"
    private(set) var firstFailure: String?

    init(rtol: Double, atol: Double = 1e-7) {
        self.rtol = rtol
        self.atol = atol
    }

    mutating func check(_ actual: Double, _ expected: Double, _ label: @autoclosure () -> String) {
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

    mutating func check(_ actual: [Double], _ expected: [Double], _ label: @autoclosure () -> String) {
        guard actual.count == expected.count else {
            failures += 1
            firstFailure = firstFailure ?? "\(label()): \(actual.count) values, expected \(expected.count)"
            return
        }
        let name = label()
        for (i, (a, b)) in zip(actual, expected).enumerated() { check(a, b, "\(name)[\(i)]") }
    }

    var passed: Bool { failures == 0 && checked > 0 }

    var summary: String {
        "\(checked) values, \(failures) outside rtol \(rtol) + atol \(atol); worst relative error \(worstRelative) at \(worstLabel)"
            + (firstFailure.map { "; first failure: \($0)" } ?? "")
    }
}

extension Tensor {
    var doubles: [Double] { scalars.map(Double.init) }
}
