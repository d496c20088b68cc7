import DDPTensor
import DDPTestSupport
import Testing

@Suite struct DropoutTests {
    @Test func keepsTheExpectedValueAndDropsAboutHalf() {
        var g = RandomGenerator(seed: 1)
        let x = Tensor.ones([200_000])
        let out = x.dropout(p: 0.5, training: true, using: &g)
        let values = out.scalars
        let zeros = values.filter { $0 == 0 }.count
        #expect(values.allSatisfy { $0 == 0 || $0 == 2 })
        #expect(abs(Double(zeros) / Double(values.count) - 0.5) < 0.01)
        let mean = values.reduce(0, +) / Float(values.count)
        #expect(abs(mean - 1) < 0.02, "mean \(mean)")
    }

    @Test func theSameGeneratorStateGivesTheSameMask() {
        var a = RandomGenerator(seed: 9), b = RandomGenerator(seed: 9), inputs = RandomGenerator(seed: 10)
        let x = Tensor.randn([1000], using: &inputs)
        let first = x.dropout(p: 0.3, training: true, using: &a)
        let second = x.dropout(p: 0.3, training: true, using: &b)
        #expect(first.scalars == second.scalars)
        #expect(a == b)
        // The generator moved on: the next mask differs.
        #expect(x.dropout(p: 0.3, training: true, using: &a).scalars != first.scalars)
    }

    @Test func isTheIdentityOutsideTraining() {
        var g = RandomGenerator(seed: 2)
        let x = Tensor.randn([50], using: &g)
        let before = g
        #expect(x.dropout(p: 0.5, training: false, using: &g) === x)
        #expect(g == before)
    }

    @Test func extremeProbabilities() {
        var g = RandomGenerator(seed: 3)
        let x = Tensor.randn([100], using: &g)
        #expect(x.dropout(p: 1, training: true, using: &g).scalars.allSatisfy { $0 == 0 })
        #expect(x.dropout(p: 0, training: true, using: &g).scalars == x.scalars)
    }

    @Test func gradientIsTheMask() {
        var g = RandomGenerator(seed: 4)
        let x = Tensor.randn([6, 7], using: &g)
        let report = checkGradients([x]) {
            var fixed = RandomGenerator(seed: 5)   // the same mask on every evaluation
            return $0[0].dropout(p: 0.4, training: true, using: &fixed)
        }
        #expect(report.passed, "\(report)")
        x.grad = nil
        var fixed = RandomGenerator(seed: 5)
        let out = x.dropout(p: 0.4, training: true, using: &fixed)
        out.sum().backward()
        for i in 0..<x.count {
            // Exactly: the kept elements' factor is this same Float expression, times a gradient of 1.
            #expect(x.grad!.data[i] == (out.data[i] == 0 ? 0 : 1 / (1 - Float(0.4))))
        }
    }
}
