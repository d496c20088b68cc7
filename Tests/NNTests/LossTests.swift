import DDPNN
import DDPTensor
import DDPTestSupport
import Foundation
import Testing

@Suite struct LossTests {
    @Test(arguments: Reduction.allCases)
    func crossEntropyGradients(reduction: Reduction) {
        var g = RandomGenerator(seed: 1)
        let logits = Tensor.randn([4, 5], using: &g)
        for smoothing: Float in [0, 0.2] {
            let report = checkGradients([logits]) {
                crossEntropy($0[0], targets: [1, 0, 4, 2], labelSmoothing: smoothing, reduction: reduction)
            }
            #expect(report.passed, "smoothing \(smoothing): \(report)")
        }
    }

    @Test func crossEntropyWithLabelSmoothingMatchesHandComputation() {
        // Uniform logits over 4 classes: every log-probability is log(1/4), whatever the smoothing.
        let loss = crossEntropy(Tensor.zeros([2, 4]), targets: [0, 3], labelSmoothing: 0.1, reduction: .sum)
        #expect(abs(loss.item - 2 * log(4)) < 1e-5)
    }

    @Test(arguments: Reduction.allCases)
    func l1LossValuesAndGradients(reduction: Reduction) {
        let prediction = Tensor([1, -2, 3, 0.5], shape: [2, 2])
        let target = Tensor([0, 0, 1, 1], shape: [2, 2])
        // |1| + |-2| + |2| + |-0.5| = 5.5
        #expect(l1Loss(prediction, target, reduction: reduction).item == (reduction == .mean ? 5.5 / 4 : 5.5))
        var g = RandomGenerator(seed: 2)
        let b = Tensor.randn([3, 4], using: &g)
        // Differences at least 0.2 from zero, far from the kink.
        let offsets = (0..<12).map { i -> Float in (i % 2 == 0 ? 1 : -1) * (0.2 + Float(i) * 0.1) }
        let a = b + Tensor(offsets, shape: [3, 4])
        let report = checkGradients([a.detached().copy(), b]) { l1Loss($0[0], $0[1], reduction: reduction) }
        #expect(report.passed, "\(report)")
    }

    @Test(arguments: Reduction.allCases)
    func nllLossValuesAndGradients(reduction: Reduction) {
        let logp = Tensor([-0.5, -1, -2, -3, -0.25, -4], shape: [2, 3])
        #expect(nllLoss(logp, targets: [2, 1], reduction: reduction).item == (reduction == .mean ? 1.125 : 2.25))
        var g = RandomGenerator(seed: 3)
        let x = Tensor.randn([5, 3], using: &g)
        let report = checkGradients([x]) { nllLoss($0[0], targets: [0, 2, 1, 1, 0], reduction: reduction) }
        #expect(report.passed, "\(report)")
    }

    @Test func nllLossOfLogSoftmaxIsCrossEntropy() {
        var g = RandomGenerator(seed: 4)
        let logits = Tensor.randn([3, 4], using: &g)
        var logSoftmax = [Float]()
        for r in 0..<3 {
            let row = (0..<4).map { logits[r, $0] }
            let logSum = log(row.map { exp($0) }.reduce(0, +))
            logSoftmax += row.map { $0 - logSum }
        }
        let targets = [3, 0, 1]
        let nll = nllLoss(Tensor(logSoftmax, shape: [3, 4]), targets: targets).item
        #expect(abs(nll - crossEntropy(logits, targets: targets).item) < 1e-5)
    }

    @Test(arguments: Reduction.allCases)
    func binaryCrossEntropyGradients(reduction: Reduction) {
        var g = RandomGenerator(seed: 5)
        let probabilities = Tensor.uniform([3, 4], low: 0.2, high: 0.8, using: &g)
        let targets = Tensor.uniform([3, 4], using: &g)   // soft targets
        let report = checkGradients([probabilities, targets]) {
            binaryCrossEntropy($0[0], targets: $0[1], reduction: reduction)
        }
        #expect(report.passed, "\(report)")
    }

    @Test func binaryCrossEntropyValuesClampTheLogarithm() {
        let p = Tensor([0.8, 0.25, 0, 1])
        let t = Tensor([1, 0, 1, 1])
        // -log 0.8 - log 0.75 + 100 (log 0 clamped) + 0
        let expected = -log(Float(0.8)) - log(Float(0.75)) + 100
        #expect(abs(binaryCrossEntropy(p, targets: t, reduction: .sum).item - expected) < 1e-4)
        #expect(abs(binaryCrossEntropy(p, targets: t).item - expected / 4) < 1e-4)
    }

    @Test(arguments: Reduction.allCases)
    func binaryCrossEntropyWithLogitsGradients(reduction: Reduction) {
        var g = RandomGenerator(seed: 6)
        let logits = Tensor.randn([3, 4], std: 3, using: &g)
        let targets = Tensor.uniform([3, 4], using: &g)
        let report = checkGradients([logits, targets]) {
            binaryCrossEntropyWithLogits($0[0], targets: $0[1], reduction: reduction)
        }
        #expect(report.passed, "\(report)")
    }

    @Test func binaryCrossEntropyWithLogitsMatchesTheSigmoidFormAndStaysFinite() {
        let logits: [Float] = [-2, -0.5, 0, 1.5, 3]
        let targets: [Float] = [0, 1, 0.5, 1, 0]
        let sigmoid = logits.map { 1 / (1 + exp(-$0)) }
        let expected = zip(sigmoid, targets).map { p, t in -(t * log(p) + (1 - t) * log(1 - p)) }.reduce(0, +) / 5
        let loss = binaryCrossEntropyWithLogits(Tensor(logits), targets: Tensor(targets))
        #expect(abs(loss.item - expected) < 1e-5)
        // Logits far past where exp overflows: the loss is |x|, the gradient ±1.
        let extreme = Tensor([200, -200], requiresGrad: true)
        let big = binaryCrossEntropyWithLogits(extreme, targets: Tensor([0, 1]), reduction: .sum)
        #expect(big.item == 400)
        big.backward()
        #expect(extreme.grad!.scalars == [1, -1])
    }

    @Test func mseLossGradients() {
        var g = RandomGenerator(seed: 7)
        let a = Tensor.randn([3, 2], using: &g), b = Tensor.randn([3, 2], using: &g)
        for reduction in Reduction.allCases {
            let report = checkGradients([a, b]) { mseLoss($0[0], $0[1], reduction: reduction) }
            #expect(report.passed, "\(reduction): \(report)")
        }
    }
}
