import DDPTensor
import DDPTestSupport
import Testing

@Suite struct SoftmaxTests {
    @Test func softmaxMatchesTheClosedForm() {
        #expect(allClose(Tensor([1, 2, 3]).softmax(alongAxis: 0).scalars, [0.090030573, 0.24472847, 0.66524096]))
        #expect(Tensor([1000, 1000]).softmax(alongAxis: 0).scalars == [0.5, 0.5])
    }

    @Test(arguments: [0, 1, 2, -1, -2])
    func softmaxLanesSumToOne(axis: Int) {
        let x = normalValues([3, 4, 5], scale: 3, seed: 71)
        let sums = x.softmax(alongAxis: axis).sum(alongAxis: axis).scalars
        #expect(allClose(sums, [Float](repeating: 1, count: sums.count)))
        // Log-softmax is the logarithm of the same distribution.
        #expect(allClose(x.logSoftmax(alongAxis: axis).exp().scalars, x.softmax(alongAxis: axis).scalars))
    }

    @Test func logSoftmaxOfLargeLogitsStaysFinite() {
        let y = Tensor([1000, 1001, 1002]).logSoftmax(alongAxis: 0).scalars
        #expect(allClose(y, [-2.4076059, -1.4076059, -0.4076059], rtol: 1e-5, atol: 1e-5))
        // Tiny probabilities keep their logarithm instead of underflowing to -inf.
        let tiny = Tensor([0, -1000]).logSoftmax(alongAxis: 0).scalars
        #expect(tiny[0] == 0)
        #expect(tiny[1] == -1000)
    }

    @Test func softmaxAlongTheFirstAxisNormalisesColumns() {
        let x = Tensor([0, 1, 0, 1], shape: [2, 2])
        #expect(allClose(x.softmax(alongAxis: 0).scalars, [0.5, 0.5, 0.5, 0.5]))
        let e: Float = 2.7182817
        #expect(allClose(x.softmax(alongAxis: 1).scalars, [1 / (1 + e), e / (1 + e), 1 / (1 + e), e / (1 + e)]))
    }

    @Test(arguments: [0, 1, 2, -1])
    func softmaxGradients(axis: Int) {
        let x = normalValues([2, 3, 4], seed: 72)
        let softmax = checkGradients([x]) { $0[0].softmax(alongAxis: axis) }
        #expect(softmax.passed, "softmax axis \(axis): \(softmax)")
        let logSoftmax = checkGradients([x]) { $0[0].logSoftmax(alongAxis: axis) }
        #expect(logSoftmax.passed, "logSoftmax axis \(axis): \(logSoftmax)")
    }

    @Test func softmaxGradientAccumulatesIntoAnExistingGradient() {
        let x = Tensor([0.5, -1, 2], requiresGrad: true)
        let weights = Tensor([1, 2, 3])
        (x.softmax(alongAxis: 0) * weights).sum().backward()
        let once = x.grad!.scalars
        (x.softmax(alongAxis: 0) * weights).sum().backward()
        #expect(allClose(x.grad!.scalars, once.map { 2 * $0 }))
    }
}
