import DDPTensor
import DDPTestSupport
import Testing

@Suite struct IndexingTests {
    @Test func slicedKeepsTheChosenPositions() {
        let a = Tensor.arange(0, 24).reshaped([2, 3, 4])
        let middle = a.sliced(axis: 1, range: 1..<3)
        #expect(middle.shape == [2, 2, 4])
        #expect(middle.scalars == [4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23])
        let tail = a.sliced(axis: -1, range: 2...)
        #expect(tail.shape == [2, 3, 2])
        #expect(tail.scalars == [2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23])
        let head = a.sliced(axis: 0, range: ..<1)
        #expect(head.shape == [1, 3, 4])
        #expect(head.scalars == Array(0..<12).map(Float.init))
        #expect(a.sliced(axis: 2, range: 1...1).scalars == [1, 5, 9, 13, 17, 21])
    }

    @Test func slicedGradientIsZeroOutsideTheSlice() {
        let x = Tensor([1, 2, 3, 4], requiresGrad: true)
        (x.sliced(axis: 0, range: 1..<3) * 3).sum().backward()
        #expect(x.grad?.scalars == [0, 3, 3, 0])
    }

    @Test func slicedGradients() {
        let x = normalValues([3, 5, 2], seed: 11)
        for axis in [0, 1, -1] {
            let report = checkGradients([x]) { $0[0].sliced(axis: axis, range: 1..<2) }
            #expect(report.passed, "axis \(axis): \(report)")
        }
        let wide = checkGradients([x]) { $0[0].sliced(axis: 1, range: 1...3) }
        #expect(wide.passed, "\(wide)")
    }

    @Test func indexSelectPicksInOrderWithRepeats() {
        let a = Tensor.arange(0, 12).reshaped([3, 4])
        #expect(a.indexSelect(axis: 0, indices: [2, 0, 2]).scalars == [8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11])
        let columns = a.indexSelect(axis: -1, indices: [3, 1])
        #expect(columns.shape == [3, 2])
        #expect(columns.scalars == [3, 1, 7, 5, 11, 9])
        #expect(a.indexSelect(axis: 0, indices: []).shape == [0, 4])
    }

    @Test func indexSelectGradientAccumulatesRepeatedIndices() {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2], requiresGrad: true)
        x.indexSelect(axis: 0, indices: [2, 0, 2]).sum().backward()
        #expect(x.grad?.scalars == [1, 1, 0, 0, 2, 2])
        // A second pass adds to the first.
        x.indexSelect(axis: 0, indices: [1]).sum().backward()
        #expect(x.grad?.scalars == [1, 1, 1, 1, 2, 2])
    }

    @Test func indexSelectGradients() {
        let x = normalValues([2, 4, 3], seed: 12)
        let middle = checkGradients([x]) { $0[0].indexSelect(axis: 1, indices: [1, 1, 0, 3]) }
        #expect(middle.passed, "\(middle)")
        let first = checkGradients([x]) { $0[0].indexSelect(axis: 0, indices: [1, 0, 1]) }
        #expect(first.passed, "\(first)")
        let last = checkGradients([x]) { $0[0].indexSelect(axis: -1, indices: [2, 2]) }
        #expect(last.passed, "\(last)")
    }

    @Test func concatJoinsAlongTheAxis() {
        let a = Tensor([1, 2, 3, 4], shape: [2, 2])
        let b = Tensor([5, 6], shape: [1, 2])
        let rows = Tensor.concat([a, b], axis: 0)
        #expect(rows.shape == [3, 2])
        #expect(rows.scalars == [1, 2, 3, 4, 5, 6])
        let c = Tensor([7, 8], shape: [2, 1])
        let columns = Tensor.concat([a, c], axis: -1)
        #expect(columns.shape == [2, 3])
        #expect(columns.scalars == [1, 2, 7, 3, 4, 8])
    }

    @Test func concatGradients() {
        let a = normalValues([2, 1, 3], seed: 13), b = normalValues([2, 3, 3], seed: 14), c = normalValues([2, 2, 3], seed: 15)
        let middle = checkGradients([a, b, c]) { Tensor.concat($0, axis: 1) }
        #expect(middle.passed, "\(middle)")
        let d = normalValues([2, 2, 3], seed: 16)
        let first = checkGradients([c, d]) { Tensor.concat($0, axis: 0) }
        #expect(first.passed, "\(first)")
    }

    @Test func concatOfOneTensorTwiceSumsBothGradients() {
        let x = Tensor([1, 2], requiresGrad: true)
        let joined = Tensor.concat([x, x], axis: 0)
        (joined * Tensor([1, 2, 3, 4])).sum().backward()
        #expect(x.grad?.scalars == [4, 6])
    }

    @Test func stackAddsADimension() {
        let a = Tensor([1, 2, 3]), b = Tensor([4, 5, 6])
        let rows = Tensor.stack([a, b], axis: 0)
        #expect(rows.shape == [2, 3])
        #expect(rows.scalars == [1, 2, 3, 4, 5, 6])
        let columns = Tensor.stack([a, b], axis: -1)
        #expect(columns.shape == [3, 2])
        #expect(columns.scalars == [1, 4, 2, 5, 3, 6])
    }

    @Test func stackGradients() {
        let a = normalValues([2, 3], seed: 17), b = normalValues([2, 3], seed: 18)
        for axis in [0, 1, 2, -1] {
            let report = checkGradients([a, b]) { Tensor.stack($0, axis: axis) }
            #expect(report.passed, "axis \(axis): \(report)")
        }
    }
}
