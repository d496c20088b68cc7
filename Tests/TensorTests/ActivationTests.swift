import DDPTensor
import DDPTestSupport
import Testing

@Suite struct ActivationTests {
    @Test func leakyReluScalesNegativeValues() {
        #expect(Tensor([-2, 3]).leakyRelu(negativeSlope: 0.1).scalars == [-0.2, 3])
        #expect(Tensor([-100, 0, 4]).leakyRelu().scalars == [-1, 0, 4])
    }

    @Test func sigmoidIsStableAndSymmetric() {
        let y = Tensor([0, 100, -100, 2]).sigmoid().scalars
        #expect(y[0] == 0.5)
        #expect(y[1] == 1)
        #expect(y[2] >= 0 && y[2] < 1e-30)
        #expect(y.allSatisfy { $0.isFinite })
        let x = normalValues([10], scale: 4, seed: 61)
        let sums = (x.sigmoid() + (-x).sigmoid()).scalars
        #expect(allClose(sums, [Float](repeating: 1, count: 10)))
    }

    @Test func tanhValues() {
        #expect(allClose(Tensor([0, 0.5, -0.5, 50]).tanh().scalars, [0, 0.46211716, -0.46211716, 1]))
    }

    @Test func geluMatchesPyTorch() {
        // torch.nn.functional.gelu at 1, -1, 2 and with approximate='tanh' at 1, -1.
        #expect(allClose(Tensor([1, -1, 2, 0]).gelu().scalars, [0.84134475, -0.15865525, 1.9544997, 0]))
        #expect(allClose(Tensor([1, -1]).gelu(approximate: .tanh).scalars, [0.84119199, -0.15880801]))
    }

    @Test func softplusIsLinearAboveTheThreshold() {
        let y = Tensor([0, 30, -30]).softplus().scalars
        #expect(allClose([y[0]], [0.6931472]))
        #expect(y[1] == 30)
        #expect(allClose([y[2]], [9.357623e-14]))
        #expect(allClose(Tensor([1]).softplus(beta: 2).scalars, [1.0634640]))
        // With β = 2 the threshold 5 applies to 2x: 3 is above it, so it passes through.
        #expect(Tensor([3]).softplus(beta: 2, threshold: 5).scalars == [3])
    }

    @Test func activationGradients() {
        let x = normalValues([3, 5], scale: 2, seed: 62)
        let reports: [(String, GradientCheckReport)] = [
            ("relu", checkGradients([awayFromZero([3, 5], seed: 63)]) { $0[0].relu() }),
            // Two uses of the input: the second backward adds into the first one's gradient.
            ("relu twice", checkGradients([awayFromZero([3, 7], seed: 65)]) { $0[0].relu() * 3 + $0[0].relu() }),
            ("leakyRelu", checkGradients([awayFromZero([3, 5], seed: 64)]) { $0[0].leakyRelu(negativeSlope: 0.2) }),
            ("sigmoid", checkGradients([x]) { $0[0].sigmoid() }),
            ("tanh", checkGradients([x]) { $0[0].tanh() }),
            ("gelu", checkGradients([x]) { $0[0].gelu() }),
            ("gelu tanh", checkGradients([x]) { $0[0].gelu(approximate: .tanh) }),
            ("softplus", checkGradients([x]) { $0[0].softplus() }),
            // 2x ranges over both sides of the threshold 5 but keeps clear of it.
            ("softplus beta", checkGradients([Tensor([-3, -0.4, 0.7, 1.8, 2.9, 4])]) {
                $0[0].softplus(beta: 2, threshold: 5)
            }),
        ]
        for (name, report) in reports { #expect(report.passed, "\(name): \(report)") }
    }

    @Test func anOutputKeptByItsBackwardIsStillFreed() {
        // The backward of sigmoid, tanh, exp and softmax needs the output; it must hold the
        // output's storage, not the output tensor, or output and closure would keep each other alive.
        weak var sigmoid: Tensor?
        weak var softmax: Tensor?
        let x = Tensor([1, 2, 3], requiresGrad: true)
        do {
            let s = x.sigmoid()
            sigmoid = s
            let p = x.softmax(alongAxis: 0)
            softmax = p
            #expect(s.requiresGrad && p.requiresGrad)
        }
        #expect(sigmoid == nil)
        #expect(softmax == nil)
    }
}
