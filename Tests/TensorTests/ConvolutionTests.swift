import DDPTensor
import DDPTestSupport
import Testing

/// The definition of a convolution, one output at a time, to compare the im2col kernel against.
private func naiveConv2d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride: (Int, Int), padding: (Int, Int)) -> [Float] {
    let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
    let oh = (h + 2 * padding.0 - kh) / stride.0 + 1, ow = (wd + 2 * padding.1 - kw) / stride.1 + 1
    var out: [Float] = []
    for i in 0..<n { for f in 0..<o { for y in 0..<oh { for z in 0..<ow {
        var total: Float = b?[f] ?? 0
        for ch in 0..<c { for ki in 0..<kh { for kj in 0..<kw {
            let (iy, iz) = (y * stride.0 - padding.0 + ki, z * stride.1 - padding.1 + kj)
            if iy >= 0 && iy < h && iz >= 0 && iz < wd { total += x[i, ch, iy, iz] * w[f, ch, ki, kj] }
        } } }
        out.append(total)
    } } } }
    return out
}

@Suite struct ConvolutionTests {
    // The 3x3 image 1...9 under a Laplacian kernel, worked out by hand.
    let image = Tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], shape: [1, 1, 3, 3])
    let laplacian = Tensor([0, 1, 0, 1, -4, 1, 0, 1, 0], shape: [1, 1, 3, 3])

    @Test func oneChannelImageWithPaddingMatchesHandComputation() {
        let out = Tensor.conv2d(image, weight: laplacian, bias: Tensor([0.5]), padding: 1)
        #expect(out.shape == [1, 1, 3, 3])
        #expect(out.scalars == [2, 1, -4, -3, 0, -7, -16, -11, -22].map { $0 + 0.5 })
    }

    @Test func oneChannelImageWithoutPaddingAndWithStride() {
        #expect(Tensor.conv2d(image, weight: laplacian).scalars == [0])
        let strided = Tensor.conv2d(image, weight: laplacian, stride: 2, padding: 1)
        #expect(strided.shape == [1, 1, 2, 2])
        #expect(strided.scalars == [2, -4, -16, -22])
    }

    @Test(arguments: [((1, 1), (0, 0)), ((2, 1), (1, 2)), ((3, 2), (2, 0)), ((1, 1), (1, 1))])
    func matchesTheDefinitionOnManyChannels(stride: (Int, Int), padding: (Int, Int)) {
        var g = RandomGenerator(seed: 11)
        let x = Tensor.randn([2, 3, 7, 6], using: &g)
        let w = Tensor.randn([4, 3, 3, 2], using: &g)
        let b = Tensor.randn([4], using: &g)
        let out = Tensor.conv2d(x, weight: w, bias: b, stride: stride, padding: padding)
        #expect(allClose(out.scalars, naiveConv2d(x, w, b, stride: stride, padding: padding), rtol: 1e-4, atol: 1e-5))
    }

    /// Unit strides with an output as wide as the input take the block-copy path of im2col,
    /// whatever the kernel and the height padding (here wider than needed).
    @Test(arguments: [((3, 3), (1, 1)), ((3, 5), (2, 2)), ((5, 3), (1, 1)), ((1, 3), (0, 1)), ((3, 7), (4, 3))])
    func sameWidthConvolutionsMatchTheDefinition(kernel: (Int, Int), padding: (Int, Int)) {
        var g = RandomGenerator(seed: 12)
        let x = Tensor.randn([2, 3, 6, 5], using: &g)
        let w = Tensor.randn([4, 3, kernel.0, kernel.1], using: &g)
        let out = Tensor.conv2d(x, weight: w, bias: nil, stride: (1, 1), padding: padding)
        #expect(out.shape[3] == 5)
        #expect(allClose(out.scalars, naiveConv2d(x, w, nil, stride: (1, 1), padding: padding), rtol: 1e-4, atol: 1e-5))
    }

    /// With unit strides and no more output than input channels, the input gradient is the
    /// convolution of the output gradient with the flipped kernel; with more output channels,
    /// the column rows are folded back (as one block each when the width is kept).
    @Test(arguments: [((3, 3), (1, 1)), ((3, 5), (2, 2)), ((1, 3), (0, 1)), ((3, 7), (4, 3)), ((3, 3), (0, 0)), ((2, 3), (1, 0))],
          [2, 3, 4])
    func unitStrideConvolutionGradientsMatchFiniteDifferences(window: ((Int, Int), (Int, Int)), outChannels: Int) {
        let (kernel, padding) = window
        var g = RandomGenerator(seed: 13)
        let x = Tensor.randn([2, 3, 5, 4], using: &g)
        let w = Tensor.randn([outChannels, 3, kernel.0, kernel.1], using: &g)
        let report = checkGradients([x, w]) {
            Tensor.conv2d($0[0], weight: $0[1], bias: nil, stride: (1, 1), padding: padding)
        }
        #expect(report.passed, "\(report)")
    }

    @Test(arguments: [(1, 0, true), (1, 1, false), (2, 0, false), (2, 1, true)])
    func gradientsOnNonSquareInput(stride: Int, padding: Int, withBias: Bool) {
        var g = RandomGenerator(seed: UInt64(10 * stride + padding))
        let x = Tensor.randn([2, 3, 6, 5], using: &g)
        let w = Tensor.randn([4, 3, 3, 2], using: &g)
        let b = Tensor.randn([4], using: &g)
        let report = checkGradients(withBias ? [x, w, b] : [x, w]) {
            Tensor.conv2d($0[0], weight: $0[1], bias: withBias ? $0[2] : nil, stride: stride, padding: padding)
        }
        #expect(report.passed, "\(report)")
    }

    @Test func gradientsWithUnequalStrideAndPadding() {
        var g = RandomGenerator(seed: 12)
        let x = Tensor.randn([1, 2, 5, 7], using: &g)
        let w = Tensor.randn([3, 2, 2, 3], using: &g)
        let b = Tensor.randn([3], using: &g)
        let report = checkGradients([x, w, b]) {
            Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: (2, 1), padding: (1, 2))
        }
        #expect(report.passed, "\(report)")
    }

    @Test func gradientsOfAPointwiseConvolution() {
        // A 1x1 kernel with stride 1 reads the image directly, without unfolding it.
        var g = RandomGenerator(seed: 13)
        let x = Tensor.randn([2, 3, 4, 3], using: &g)
        let w = Tensor.randn([5, 3, 1, 1], using: &g)
        let b = Tensor.randn([5], using: &g)
        #expect(allClose(Tensor.conv2d(x, weight: w, bias: b).scalars,
                         naiveConv2d(x, w, b, stride: (1, 1), padding: (0, 0)), rtol: 1e-4, atol: 1e-5))
        let report = checkGradients([x, w, b]) { Tensor.conv2d($0[0], weight: $0[1], bias: $0[2]) }
        #expect(report.passed, "\(report)")
    }

    @Test(arguments: [1, 3])
    func gradientsAccumulateOverTwoUses(kernel: Int) {
        // Each input feeds two convolutions, so the second backward adds to the first.
        var g = RandomGenerator(seed: 14)
        let x = Tensor.randn([2, 2, 4, 5], using: &g)
        let w = Tensor.randn([3, 2, kernel, kernel], using: &g)
        let b = Tensor.randn([3], using: &g)
        let report = checkGradients([x, w, b]) {
            Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], padding: kernel / 2)
                * Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], padding: kernel / 2)
        }
        #expect(report.passed, "\(report)")
    }
}
