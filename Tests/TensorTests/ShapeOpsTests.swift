import DDPTensor
import DDPTestSupport
import Testing

@Suite struct ShapeOpsTests {
    @Test func transposedSwapsTheLastTwoDimensions() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let t = a.transposed()
        #expect(t.shape == [3, 2])
        #expect(t.scalars == [1, 4, 2, 5, 3, 6])
    }

    @Test func transposedBatchCrossesTileBoundaries() {
        // 70 x 45 spans several 32 x 32 tiles, with partial tiles at both edges.
        let a = Tensor.arange(0, Float(2 * 70 * 45)).reshaped([2, 70, 45])
        let t = a.transposed()
        #expect(t.shape == [2, 45, 70])
        var mismatches = 0
        for b in 0..<2 { for i in 0..<70 { for j in 0..<45 where t[b, j, i] != a[b, i, j] { mismatches += 1 } } }
        #expect(mismatches == 0)
    }

    @Test func permutedPlacesEachDimensionWhereAsked() {
        let a = Tensor.arange(0, 24).reshaped([2, 3, 4])
        let p = a.permuted([2, 0, 1])
        #expect(p.shape == [4, 2, 3])
        var mismatches = 0
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 where p[k, i, j] != a[i, j, k] { mismatches += 1 } } }
        #expect(mismatches == 0)
        #expect(a.permuted([-1, 0, 1]).scalars == p.scalars)
        #expect(a.permuted([0, 1, 2]).scalars == a.scalars)
    }

    @Test func transposedSwapsAnyTwoAxes() {
        let a = Tensor.arange(0, 24).reshaped([2, 3, 4])
        let t = a.transposed(0, -1)
        #expect(t.shape == [4, 3, 2])
        var mismatches = 0
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 where t[k, j, i] != a[i, j, k] { mismatches += 1 } } }
        #expect(mismatches == 0)
    }

    @Test func transposeGradients() {
        let matrix = checkGradients([normalValues([3, 4], seed: 1)]) { $0[0].transposed() }
        #expect(matrix.passed, "\(matrix)")
        let batched = checkGradients([normalValues([2, 3, 5], seed: 2)]) { $0[0].transposed() }
        #expect(batched.passed, "\(batched)")
        let outerAxes = checkGradients([normalValues([2, 3, 4], seed: 3)]) { $0[0].transposed(0, 2) }
        #expect(outerAxes.passed, "\(outerAxes)")
    }

    @Test(arguments: [[2, 0, 1], [1, 0, 2], [0, 2, 1], [2, 1, 0]])
    func permuteGradients(axes: [Int]) {
        let report = checkGradients([normalValues([2, 3, 4], seed: 4)]) { $0[0].permuted(axes) }
        #expect(report.passed, "\(report)")
    }

    @Test func squeezeAndUnsqueezeChangeOnlyTheShape() {
        let a = Tensor.arange(0, 6).reshaped([1, 3, 1, 2])
        #expect(a.squeezed().shape == [3, 2])
        #expect(a.squeezed(axis: 0).shape == [3, 1, 2])
        #expect(a.squeezed(axis: -2).shape == [1, 3, 2])
        let b = Tensor.arange(0, 12).reshaped([3, 4])
        #expect(b.unsqueezed(axis: 0).shape == [1, 3, 4])
        #expect(b.unsqueezed(axis: 1).shape == [3, 1, 4])
        #expect(b.unsqueezed(axis: -1).shape == [3, 4, 1])
        #expect(b.unsqueezed(axis: -3).shape == [1, 3, 4])
        // Views: the elements are shared, not copied.
        #expect(b.unsqueezed(axis: 1).storage === b.storage)
        #expect(a.squeezed().scalars == a.scalars)
    }

    @Test func squeezeAndUnsqueezeGradients() {
        let unsqueeze = checkGradients([normalValues([3, 4], seed: 5)]) { $0[0].unsqueezed(axis: 1) * $0[0].unsqueezed(axis: 1) }
        #expect(unsqueeze.passed, "\(unsqueeze)")
        let squeeze = checkGradients([normalValues([3, 1, 2], seed: 6)]) { $0[0].squeezed(axis: 1).exp() }
        #expect(squeeze.passed, "\(squeeze)")
    }

    @Test func expandedRepeatsSizeOneDimensions() {
        let column = Tensor([1, 2, 3], shape: [3, 1])
        let e = column.expanded(to: [2, 3, 2])
        #expect(e.shape == [2, 3, 2])
        #expect(e.scalars == [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3])
        #expect(Tensor(scalar: 5).expanded(to: [2, 2]).scalars == [5, 5, 5, 5])
        #expect(e.storage !== column.storage)
    }

    @Test func expandedGradientSumsOverRepeats() {
        let column = Tensor([1, 2, 3], shape: [3, 1], requiresGrad: true)
        column.expanded(to: [2, 3, 4]).sum().backward()
        #expect(column.grad?.scalars == [8, 8, 8])
        for (from, to) in [([3, 1], [2, 3, 4]), ([4], [2, 3, 4]), ([], [2, 3]), ([1, 3, 1], [2, 3, 4])] {
            let report = checkGradients([normalValues(from, seed: 7)]) { $0[0].expanded(to: to) }
            #expect(report.passed, "\(from) -> \(to): \(report)")
        }
    }
}
