import DDPTensor
import DDPTestSupport
import Testing

@Suite struct ReductionTests {
    // 0 ..< 24 as [2, 3, 4]: element (i, j, k) is 12i + 4j + k.
    let a = Tensor.arange(0, 24).reshaped([2, 3, 4])

    @Test func sumAndMeanTakeNegativeAndMultipleAxes() {
        #expect(a.sum(alongAxes: [-1]).scalars == a.sum(alongAxis: 2).scalars)
        #expect(a.sum(alongAxis: -1).scalars == [6, 22, 38, 54, 70, 86])
        // Σ over i and k of 12i + 4j + k = 12·4 + 8·4j + 2·6 = 60 + 32j
        let outer = a.sum(alongAxes: [0, -1])
        #expect(outer.shape == [3])
        #expect(outer.scalars == [60, 92, 124])
        #expect(a.sum(alongAxes: [2, 0], keepingDimensions: true).shape == [1, 3, 1])
        #expect(a.sum(alongAxes: [0, 1, 2]).scalars == [276])
        let means = a.mean(alongAxes: [-3, -1], keepingDimensions: true)
        #expect(means.shape == [1, 3, 1])
        #expect(means.scalars == [7.5, 11.5, 15.5])
        #expect(allClose(a.mean(alongAxis: 1).scalars, [4, 5, 6, 7, 16, 17, 18, 19]))
        #expect(allClose([a.mean().item], [11.5]))
    }

    @Test func sumAndMeanGradients() {
        let x = normalValues([2, 3, 4], seed: 41)
        let cases: [(String, (Tensor) -> Tensor)] = [
            ("sum", { $0.sum() }),
            ("mean", { $0.mean() }),
            ("sum axis -2", { $0.sum(alongAxis: -2) }),
            ("sum axes 0, 2", { $0.sum(alongAxes: [0, 2]) }),
            ("sum axes -1, 0 kept", { $0.sum(alongAxes: [-1, 0], keepingDimensions: true) }),
            ("mean axis 0", { $0.mean(alongAxis: 0) }),
            ("mean axes -1, 1 kept", { $0.mean(alongAxes: [-1, 1], keepingDimensions: true) }),
        ]
        for (name, reduce) in cases {
            let report = checkGradients([x]) { reduce($0[0]) }
            #expect(report.passed, "\(name): \(report)")
        }
    }

    @Test func wholeMaximumAndMinimum() {
        let x = Tensor([3, -1, 7, 2, 7, -5], shape: [2, 3])
        #expect(x.max().item == 7)
        #expect(x.min().item == -5)
        #expect(x.argmax() == 2)   // the first of the two 7s
        #expect(x.argmin() == 5)
        #expect(Tensor([1, .nan, 3]).max().item.isNaN)
    }

    @Test func wholeMaximumSharesTheGradientBetweenTies() {
        let x = Tensor([1, 3, 3, 2], requiresGrad: true)
        x.max().backward()
        #expect(x.grad?.scalars == [0, 0.5, 0.5, 0])
        let y = Tensor([1, 3, -4, 2], requiresGrad: true)
        y.min().backward()
        #expect(y.grad?.scalars == [0, 0, 1, 0])
    }

    @Test func extremaAlongAnAxis() {
        let x = Tensor([1, 5, 2, 7, 0, 3], shape: [2, 3])
        #expect(x.max(alongAxis: 1).scalars == [5, 7])
        #expect(x.argmax(alongAxis: 1) == [1, 0])
        #expect(x.max(alongAxis: 0).scalars == [7, 5, 3])
        #expect(x.argmax(alongAxis: 0) == [1, 0, 1])
        #expect(x.min(alongAxis: -1).scalars == [1, 0])
        #expect(x.argmin(alongAxis: -1) == [0, 1])
        #expect(x.min(alongAxis: 0, keepingDimensions: true).shape == [1, 3])
        #expect(x.max(alongAxis: 1, keepingDimensions: true).shape == [2, 1])
        // Ties go to the first position.
        #expect(Tensor([2, 2, 1, 4, 4, 4], shape: [2, 3]).argmax(alongAxis: 1) == [0, 0])
        // The middle axis of a 3-D tensor: (i, j, k) is 12i + 4j + k, largest at j = 2.
        let cube = Tensor.arange(0, 24).reshaped([2, 3, 4])
        #expect(cube.argmax(alongAxis: 1) == [Int](repeating: 2, count: 8))
        #expect(cube.max(alongAxis: 1).scalars == [8, 9, 10, 11, 20, 21, 22, 23])
    }

    @Test func axisMaximumSendsTheGradientToItsPosition() {
        let x = Tensor([1, 5, 2, 7, 0, 3], shape: [2, 3], requiresGrad: true)
        (x.max(alongAxis: 1) * Tensor([2, 3])).sum().backward()
        #expect(x.grad?.scalars == [0, 2, 0, 3, 0, 0])
    }

    @Test func extremumGradients() {
        let x = distinctValues([3, 4, 5], seed: 42)
        let whole = checkGradients([x]) { $0[0].max() }
        #expect(whole.passed, "max: \(whole)")
        let wholeMin = checkGradients([x]) { $0[0].min() }
        #expect(wholeMin.passed, "min: \(wholeMin)")
        for axis in [0, 1, -1] {
            let maximum = checkGradients([x]) { $0[0].max(alongAxis: axis) }
            #expect(maximum.passed, "max axis \(axis): \(maximum)")
            let minimum = checkGradients([x]) { $0[0].min(alongAxis: axis, keepingDimensions: true) }
            #expect(minimum.passed, "min axis \(axis): \(minimum)")
        }
    }
}
