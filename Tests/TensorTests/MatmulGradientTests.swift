import DDPTensor
import DDPTestSupport
import Testing

@Suite struct MatmulGradientTests {
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func matmulEachTransposeCombination(transposeLhs: Bool, transposeRhs: Bool) {
        var g = RandomGenerator(seed: 1)
        let (m, k, n) = (3, 4, 5)
        let a = Tensor.randn(transposeLhs ? [k, m] : [m, k], using: &g)
        let b = Tensor.randn(transposeRhs ? [n, k] : [k, n], using: &g)
        let report = checkGradients([a, b]) { Tensor.matmul($0[0], $0[1], transposeLhs: transposeLhs, transposeRhs: transposeRhs) }
        #expect(report.passed, "\(report)")
    }

    @Test func matmulValuesMatchHandComputation() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let b = Tensor([1, 0, 0, 1, 1, 1], shape: [3, 2])
        #expect(Tensor.matmul(a, b).scalars == [4, 5, 10, 11])
        // aᵀ taken as a flag, not a copy: [3,2] x [2,3]
        #expect(Tensor.matmul(a, a, transposeLhs: true).scalars == [17, 22, 27, 22, 29, 36, 27, 36, 45])
    }

    @Test(arguments: [(false, false), (true, true)])
    func batchedMatmul(transposeLhs: Bool, transposeRhs: Bool) {
        var g = RandomGenerator(seed: 2)
        let a = Tensor.randn(transposeLhs ? [2, 4, 3] : [2, 3, 4], using: &g)
        let b = Tensor.randn(transposeRhs ? [2, 5, 4] : [2, 4, 5], using: &g)
        let report = checkGradients([a, b]) { Tensor.matmul($0[0], $0[1], transposeLhs: transposeLhs, transposeRhs: transposeRhs) }
        #expect(report.passed, "\(report)")
    }

    @Test func batchedMatmulWithSharedMatrix() {
        var g = RandomGenerator(seed: 3)
        let a = Tensor.randn([2, 3, 4], using: &g)
        let shared = Tensor.randn([4, 5], using: &g)
        let report = checkGradients([a, shared]) { Tensor.matmul($0[0], $0[1]) }
        #expect(report.passed, "\(report)")
    }

    @Test func linearWithAndWithoutBias() {
        var g = RandomGenerator(seed: 4)
        let x = Tensor.randn([6, 4], using: &g)
        let w = Tensor.randn([3, 4], using: &g)
        let b = Tensor.randn([3], using: &g)
        let withBias = checkGradients([x, w, b]) { Tensor.linear($0[0], weight: $0[1], bias: $0[2]) }
        #expect(withBias.passed, "\(withBias)")
        let noBias = checkGradients([x, w]) { Tensor.linear($0[0], weight: $0[1], bias: nil) }
        #expect(noBias.passed, "\(noBias)")
    }
}
