import DDPTensor
import DDPTestSupport
import Testing

enum ArithmeticOperator: String, CaseIterable, Sendable {
    case add, subtract, multiply, divide

    func apply(_ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        switch self {
        case .add: lhs + rhs
        case .subtract: lhs - rhs
        case .multiply: lhs * rhs
        case .divide: lhs / rhs
        }
    }
}

@Suite struct BroadcastArithmeticTests {
    @Test func broadcastValuesMatchHandComputation() {
        let column = Tensor([1, 2, 3], shape: [3, 1])
        let row = Tensor([10, 20, 30, 40], shape: [1, 4])
        let sum = column + row
        #expect(sum.shape == [3, 4])
        #expect(sum.scalars == [11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43])
        #expect((row - column).scalars == [9, 19, 29, 39, 8, 18, 28, 38, 7, 17, 27, 37])
        let cube = Tensor.arange(0, 24).reshaped([2, 3, 4])
        let scaled = cube * Tensor([1, 0, 1], shape: [3, 1])
        #expect(scaled.sliced(axis: 1, range: 1...1).scalars == [Float](repeating: 0, count: 8))
        #expect((cube / Tensor([1, 2, 4, 8])).scalars[0..<4] == [0, 0.5, 0.5, 0.375])
        #expect((Tensor(scalar: 2) * cube).scalars == cube.scalars.map { 2 * $0 })
    }

    static let shapePairs: [([Int], [Int])] = [
        ([3, 1], [1, 4]), ([2, 3, 4], [4]), ([2, 3, 4], [3, 1]), ([4], [2, 3, 4]),
        ([2, 3], []), ([], [2, 3]), ([2, 3], [2, 3]),
    ]

    @Test(arguments: ArithmeticOperator.allCases, shapePairs)
    func broadcastGradients(op: ArithmeticOperator, shapes: ([Int], [Int])) {
        let lhs = normalValues(shapes.0, seed: 51)
        // Divisors stay away from zero, where 1/x is steep.
        let rhs = op == .divide ? awayFromZero(shapes.1, low: 0.5, seed: 52) : normalValues(shapes.1, seed: 52)
        let report = checkGradients([lhs, rhs]) { op.apply($0[0], $0[1]) }
        #expect(report.passed, "\(op) \(shapes.0) x \(shapes.1): \(report)")
    }
}
