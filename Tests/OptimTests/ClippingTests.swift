import DDPOptim
import DDPTensor
import DDPTestSupport
import Foundation
import Testing

/// `clipping.json`: clip_grad_norm_ / clip_grad_value_ on three gradients.
struct ClippingReference: Decodable {
    struct Case: Decodable {
        var fn: String
        var maxNorm: Double?
        var normType: HyperParameter?
        var totalNorm: Double?
        var clipValue: Double?
        var gradsAfter: [NestedNumbers]
    }
    var gradsBefore: [NestedNumbers]
    var cases: [Case]
}

/// A number or a nested list of numbers, flattened in row-major order.
struct NestedNumbers: Decodable {
    var values: [Double]
    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            values = [number]
        } else {
            values = try container.decode([NestedNumbers].self).flatMap(\.values)
        }
    }
}

@Suite struct ClippingTests {
    static let reference = try! loadReference("clipping.json", as: ClippingReference.self)

    @Test(arguments: reference.cases.indices)
    func clippingMatchesTorch(_ index: Int) throws {
        let reference = Self.reference
        let testCase = reference.cases[index]
        let parameters = reference.gradsBefore.map { grads -> Tensor in
            let p = Tensor.zeros([grads.values.count], requiresGrad: true)
            p.grad = Tensor(grads.values.map(Float.init))
            return p
        }
        var tolerance = Tolerance(rtol: 1e-5)
        if testCase.fn == "clip_grad_norm_" {
            let normType: Double = testCase.normType == .text("inf") ? .infinity : testCase.normType!.doubleValue!
            let total = try clipGradNorm(parameters, maxNorm: testCase.maxNorm!, normType: normType)
            tolerance.check(total, testCase.totalNorm!, "total norm")
        } else {
            try clipGradValue(parameters, clipValue: testCase.clipValue!)
        }
        for (k, (p, expected)) in zip(parameters, testCase.gradsAfter).enumerated() {
            tolerance.check(p.grad!.doubles, expected.values, "grad \(k)")
        }
        print("clipping.json case \(index) \(testCase.fn): \(tolerance.summary)")
        #expect(tolerance.passed, "case \(index): \(tolerance.summary)")
    }

    @Test func nonFiniteNormIsAnErrorWhenAsked() throws {
        let p = Tensor.zeros([2], requiresGrad: true)
        p.grad = Tensor([.nan, 1])
        #expect(throws: OptimizerError.self) { try clipGradNorm([p], maxNorm: 1, errorIfNonFinite: true) }
        #expect(try clipGradNorm([p], maxNorm: 1).isNaN)
    }
}
