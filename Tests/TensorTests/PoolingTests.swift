import DDPTensor
import DDPTestSupport
import Testing

/// Distinct values 0.1 apart in a random order, so no window holds a near-tie that a
/// finite-difference step could flip.
func distinctValues(_ shape: [Int], seed: UInt64) -> Tensor {
    var g = RandomGenerator(seed: seed)
    let count = shape.reduce(1, *)
    let values = (0..<count).map { Float($0) * 0.1 - Float(count) * 0.05 }.shuffled(using: &g)
    return Tensor(values, shape: shape)
}

@Suite struct PoolingTests {
    let grid = Tensor((1...16).map(Float.init), shape: [1, 1, 4, 4])

    @Test func maxPoolOnA4x4() {
        let out = grid.maxPool2d(kernelSize: 2)
        #expect(out.shape == [1, 1, 2, 2])
        #expect(out.scalars == [6, 8, 14, 16])
        #expect(grid.maxPool2d(kernelSize: 2, stride: 2, padding: 1).scalars == [1, 3, 4, 9, 11, 12, 13, 15, 16])
        #expect(grid.maxPool2d(kernelSize: 3, stride: 1).scalars == [11, 12, 15, 16])
    }

    /// 2x2 tiles take their own loop: it must pick what the definition picks, the first
    /// largest of each tile in row-major order (ties included), and PyTorch's rule for NaN: a
    /// NaN wins over every number, wherever it stands in the tile.
    @Test func maxPoolOverTwoByTwoTilesMatchesTheDefinition() {
        var g = RandomGenerator(seed: 8)
        // Values from a few levels, so that ties are common; an odd height and width leave a
        // last row and column outside every tile.
        var values = (0..<(2 * 3 * 7 * 9)).map { _ in Float(Int(g.next() % 4)) - 1.5 }
        values[10] = .nan   // last of its tile
        values[2] = .nan    // first of its tile: the numbers after it must not replace it
        values[40] = -.infinity
        let x = Tensor(values, shape: [2, 3, 7, 9], requiresGrad: true)
        let out = x.maxPool2d(kernelSize: 2)
        #expect(out.shape == [2, 3, 3, 4])
        out.sum().backward()
        var expectedGradient = [Float](repeating: 0, count: values.count)
        for plane in 0..<6 {
            for oh in 0..<3 {
                for ow in 0..<4 {
                    var bestIndex = -1
                    for dh in 0..<2 {
                        for dw in 0..<2 {
                            let index = plane * 63 + (2 * oh + dh) * 9 + 2 * ow + dw
                            if bestIndex < 0 || values[index] > values[bestIndex] || values[index].isNaN {
                                bestIndex = index
                            }
                        }
                    }
                    let got = out.scalars[(plane * 3 + oh) * 4 + ow]
                    #expect(got == values[bestIndex] || (got.isNaN && values[bestIndex].isNaN), "plane \(plane) tile \(oh), \(ow)")
                    expectedGradient[bestIndex] += 1
                }
            }
        }
        #expect(x.grad!.scalars == expectedGradient)
    }

    /// The general window loop follows PyTorch's rule too: a NaN anywhere in a window is the
    /// window's maximum, and the gradient goes to it.
    @Test func aNaNAnywhereInAWindowIsItsMaximum() {
        var values = (0..<25).map { Float($0) }
        values[0] = .nan   // first in the window of output (0, 0), before every larger number
        let x = Tensor(values, shape: [1, 1, 5, 5], requiresGrad: true)
        let out = x.maxPool2d(kernelSize: 3, stride: 2)
        #expect(out.scalars[0].isNaN)
        #expect(Array(out.scalars[1...]) == [14, 22, 24])
        out.sum().backward()
        #expect(x.grad!.scalars[0] == 1)
    }

    @Test func avgPoolOnA4x4() {
        #expect(grid.avgPool2d(kernelSize: 2).scalars == [3.5, 5.5, 11.5, 13.5])
        // Padding counts as zeros in the divisor by default (count_include_pad = True).
        #expect(grid.avgPool2d(kernelSize: 2, padding: 1).scalars == [0.25, 1.25, 1, 3.5, 8.5, 5, 3.25, 7.25, 4])
        #expect(grid.avgPool2d(kernelSize: 2, padding: 1, countIncludePad: false).scalars
                == [1, 2.5, 4, 7, 8.5, 10, 13, 14.5, 16])
    }

    @Test func maxPoolSendsTheGradientToTheWinner() {
        let x = Tensor((1...16).map(Float.init), shape: [1, 1, 4, 4], requiresGrad: true)
        x.maxPool2d(kernelSize: 2).sum().backward()
        #expect(x.grad!.scalars == [0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1])
    }

    @Test(arguments: [(2, nil, 0), (3, 2, 1), (2, 1, 1), (3, 3, 0)] as [(Int, Int?, Int)])
    func maxPoolGradients(kernel: Int, stride: Int?, padding: Int) {
        let x = distinctValues([2, 2, 5, 6], seed: UInt64(kernel * 10 + padding))
        let report = checkGradients([x]) { $0[0].maxPool2d(kernelSize: kernel, stride: stride, padding: padding) }
        #expect(report.passed, "\(report)")
    }

    @Test func maxPoolGradientsWithRectangularWindow() {
        let x = distinctValues([1, 3, 6, 7], seed: 5)
        let report = checkGradients([x]) { $0[0].maxPool2d(kernelSize: (2, 3), stride: (2, 2), padding: (1, 1)) }
        #expect(report.passed, "\(report)")
    }

    @Test(arguments: [(2, nil, 0, true), (3, 2, 1, true), (3, 2, 1, false), (2, 1, 1, true)] as [(Int, Int?, Int, Bool)])
    func avgPoolGradients(kernel: Int, stride: Int?, padding: Int, countIncludePad: Bool) {
        var g = RandomGenerator(seed: 21)
        let x = Tensor.randn([2, 2, 5, 6], using: &g)
        let report = checkGradients([x]) {
            $0[0].avgPool2d(kernelSize: kernel, stride: stride, padding: padding, countIncludePad: countIncludePad)
        }
        #expect(report.passed, "\(report)")
    }

    @Test func poolingGradientsAccumulate() {
        let x = distinctValues([1, 2, 4, 4], seed: 6)
        let report = checkGradients([x]) {
            $0[0].maxPool2d(kernelSize: 2) * $0[0].avgPool2d(kernelSize: 2)
        }
        #expect(report.passed, "\(report)")
    }

    @Test func globalAveragePoolIsTheMeanOfEachPlane() {
        let out = grid.globalAvgPool2d()
        #expect(out.shape == [1, 1])
        #expect(out.scalars == [8.5])
        let planes = Tensor((0..<24).map(Float.init), shape: [2, 3, 2, 2])
        #expect(planes.globalAvgPool2d().scalars == [1.5, 5.5, 9.5, 13.5, 17.5, 21.5])
    }

    @Test func globalAveragePoolGradients() {
        let x = normalValues([2, 3, 3, 5], seed: 8)
        let report = checkGradients([x]) { $0[0].globalAvgPool2d() * $0[0].globalAvgPool2d() }
        #expect(report.passed, "\(report)")
    }
}
