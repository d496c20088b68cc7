import DDPTensor
import DDPTestSupport
import Testing

@Suite struct ElementwiseMathTests {
    @Test func valuesMatchClosedForms() {
        let e: Float = 2.7182817
        #expect(allClose(Tensor([0, 1, -1]).exp().scalars, [1, e, 1 / e]))
        #expect(allClose(Tensor([1, e, 0.25]).log().scalars, [0, 1, -1.3862944]))
        #expect(Tensor([4, 9, 0]).sqrt().scalars == [2, 3, 0])
        #expect(Tensor([2, -3]).pow(3).scalars == [8, -27])
        #expect(Tensor([2, -3]).pow(2).scalars == [4, 9])
        #expect(allClose(Tensor([4, 0.25]).pow(0.5).scalars, [2, 0.5]))
        #expect(allClose(Tensor([2, 4]).pow(-1).scalars, [0.5, 0.25]))
        #expect(Tensor([-2, 3, 0]).abs().scalars == [2, 3, 0])
    }

    @Test func clampLimitsToEitherOrBothBounds() {
        let x = Tensor([-2, -0.5, 0.5, 3])
        #expect(x.clamp(min: -1, max: 1).scalars == [-1, -0.5, 0.5, 1])
        #expect(x.clamp(min: 0).scalars == [0, 0, 0.5, 3])
        #expect(x.clamp(max: 0).scalars == [-2, -0.5, 0, 0])
    }

    @Test func clampGradientPassesInsideTheClosedRange() {
        let x = Tensor([-2, -1, 0.5, 1, 3], requiresGrad: true)
        x.clamp(min: -1, max: 1).sum().backward()
        // The bounds themselves count as inside, as in PyTorch.
        #expect(x.grad?.scalars == [0, 1, 1, 1, 0])
    }

    @Test func unaryGradients() {
        let reports: [(String, GradientCheckReport)] = [
            ("exp", checkGradients([normalValues([3, 4], seed: 21)]) { $0[0].exp() }),
            ("log", checkGradients([uniformValues([3, 4], seed: 22)]) { $0[0].log() }),
            ("sqrt", checkGradients([uniformValues([3, 4], seed: 23)]) { $0[0].sqrt() }),
            ("pow 2", checkGradients([normalValues([3, 4], seed: 24)]) { $0[0].pow(2) }),
            ("pow 3", checkGradients([normalValues([3, 4], seed: 25)]) { $0[0].pow(3) }),
            ("pow 0.5", checkGradients([uniformValues([3, 4], seed: 26)]) { $0[0].pow(0.5) }),
            ("pow -1.5", checkGradients([uniformValues([3, 4], seed: 27)]) { $0[0].pow(-1.5) }),
            ("abs", checkGradients([awayFromZero([3, 4], seed: 28)]) { $0[0].abs() }),
            ("clamp", checkGradients([Tensor([-1.2, -0.7, -0.3, 0.1, 0.35, 0.8, 1.5, -0.45], shape: [2, 4])]) {
                $0[0].clamp(min: -0.5, max: 0.5)
            }),
            ("clamp min", checkGradients([Tensor([-1.2, -0.7, 0.3, 0.9])]) { $0[0].clamp(min: 0) }),
        ]
        for (name, report) in reports { #expect(report.passed, "\(name): \(report)") }
    }

    @Test func powWithZeroExponentHasZeroGradient() {
        let x = Tensor([0, 2], requiresGrad: true)
        let y = x.pow(0)
        #expect(y.scalars == [1, 1])
        y.sum().backward()
        #expect(x.grad?.scalars == [0, 0])
    }

    @Test func maximumAndMinimumBroadcast() {
        let column = Tensor([0, 2, 4], shape: [3, 1])
        let row = Tensor([1, 3], shape: [1, 2])
        #expect(Tensor.maximum(column, row).scalars == [1, 3, 2, 3, 4, 4])
        #expect(Tensor.minimum(column, row).scalars == [0, 0, 1, 2, 1, 3])
        #expect(Tensor.maximum(Tensor([1, .nan]), Tensor([.nan, 1])).scalars.allSatisfy { $0.isNaN })
    }

    @Test func maximumAndMinimumSplitTheGradientOnTies() {
        let a = Tensor([1, 2, 5], requiresGrad: true), b = Tensor([1, 3, 4], requiresGrad: true)
        Tensor.maximum(a, b).sum().backward()
        #expect(a.grad?.scalars == [0.5, 0, 1])
        #expect(b.grad?.scalars == [0.5, 1, 0])
        a.grad = nil; b.grad = nil
        Tensor.minimum(a, b).sum().backward()
        #expect(a.grad?.scalars == [0.5, 1, 0])
        #expect(b.grad?.scalars == [0.5, 0, 1])
    }

    @Test func maximumAndMinimumGradients() {
        // Every pair differs by at least 0.1, far from a tie at the check's step.
        let a = Tensor([-1, 0.4, 1.1, 0.2, -0.6, 0.9], shape: [2, 3])
        let b = Tensor([0, 0.5, -0.3])
        let maximum = checkGradients([a, b]) { Tensor.maximum($0[0], $0[1]) }
        #expect(maximum.passed, "\(maximum)")
        let minimum = checkGradients([b, a]) { Tensor.minimum($0[0], $0[1]) }
        #expect(minimum.passed, "\(minimum)")
    }

    @Test func powWithTensorExponent() {
        #expect(Tensor([2, 3, 4]).pow(Tensor([3, 2, 0.5])).scalars == [8, 9, 2])
        #expect(Tensor([2, 3], shape: [2, 1]).pow(Tensor([1, 2])).scalars == [2, 4, 3, 9])
        let base = uniformValues([2, 3], seed: 29), exponent = normalValues([3], seed: 30)
        let report = checkGradients([base, exponent]) { $0[0].pow($0[1]) }
        #expect(report.passed, "\(report)")
    }

    @Test func zeroToTheZeroHasFiniteGradients() {
        let base = Tensor([0], requiresGrad: true), exponent = Tensor([0], requiresGrad: true)
        let y = base.pow(exponent)
        #expect(y.scalars == [1])
        y.sum().backward()
        #expect(base.grad?.scalars == [0])
        #expect(exponent.grad?.scalars == [0])
    }

    @Test func whereSelectsWithBroadcasting() {
        let condition = Tensor([1, 0, 1], shape: [3, 1])
        let a = Tensor([10, 20], shape: [1, 2])
        let b = Tensor(scalar: -1)
        let picked = Tensor.where(condition, a, b)
        #expect(picked.shape == [3, 2])
        #expect(picked.scalars == [10, 20, -1, -1, 10, 20])
    }

    @Test func whereGradientGoesToTheChosenSide() {
        let a = Tensor([1, 2, 3], requiresGrad: true), b = Tensor([4, 5, 6], requiresGrad: true)
        Tensor.where(Tensor([1, 0, 1]), a, b).sum().backward()
        #expect(a.grad?.scalars == [1, 0, 1])
        #expect(b.grad?.scalars == [0, 1, 0])
        let condition = Tensor([1, 0, 0, 1, 1, 0], shape: [2, 3])
        let report = checkGradients([normalValues([2, 3], seed: 31), normalValues([3], seed: 32)]) {
            Tensor.where(condition, $0[0], $0[1])
        }
        #expect(report.passed, "\(report)")
        let broadcastCondition = checkGradients([normalValues([2, 1], seed: 33), normalValues([], seed: 34)]) {
            Tensor.where(Tensor([0, 1, 1], shape: [1, 3]), $0[0], $0[1])
        }
        #expect(broadcastCondition.passed, "\(broadcastCondition)")
    }
}
