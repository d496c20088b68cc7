import DDPTensor
import DDPTestSupport
import Testing

/// `x` `[N, C, H, W]` inside a border of zeros `padding` wide, as a new leaf tensor.
private func zeroPadded(_ x: Tensor, _ padding: (Int, Int)) -> Tensor {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (ph, pw) = (h + 2 * padding.0, w + 2 * padding.1)
    var scalars = [Float](repeating: 0, count: n * c * ph * pw)
    for i in 0..<n { for ch in 0..<c { for y in 0..<h { for z in 0..<w {
        scalars[((i * c + ch) * ph + y + padding.0) * pw + z + padding.1] = x[i, ch, y, z]
    } } } }
    return Tensor(scalars, shape: [n, c, ph, pw])
}

/// "Same" stride-1 convolutions with 8 or more input channels and no more output channels
/// (the ResNet's 3x3 layers) take the shifted-tap products instead of im2col; with more output
/// than input channels the input gradient takes them too.
@Suite struct ShiftedConvolutionTests {
    static let windows = [((3, 3), (1, 1)), ((3, 5), (1, 2)), ((5, 3), (2, 1)), ((1, 3), (0, 1))]

    /// Against the same convolution of the explicitly padded image with no padding, which
    /// im2col computes (its output is narrower than its input): output, weight and input
    /// gradients, the last inside the border.
    @Test(arguments: windows, [(8, 8), (16, 8), (8, 12)])
    func matchesTheIm2colPathOnThePaddedImage(window: ((Int, Int), (Int, Int)), channels: (Int, Int)) {
        let (kernel, padding) = window
        let (inChannels, outChannels) = channels
        var g = RandomGenerator(seed: 21)
        let x = Tensor.randn([2, inChannels, 6, 5], using: &g)
        let w = Tensor.randn([outChannels, inChannels, kernel.0, kernel.1], using: &g)
        let b = Tensor.randn([outChannels], using: &g)
        let padded = zeroPadded(x, padding)
        let weights = Tensor.randn([2, outChannels, 6, 5], using: &g)
        var results: [(output: [Float], dx: [Float], dw: [Float], db: [Float])] = []
        for (image, pad) in [(x, padding), (padded, (0, 0))] {
            let (input, weight, bias) = (Tensor(image.scalars, shape: image.shape), Tensor(w.scalars, shape: w.shape),
                                         Tensor(b.scalars, shape: b.shape))
            for t in [input, weight, bias] { t.requiresGrad = true }
            let out = Tensor.conv2d(input, weight: weight, bias: bias, stride: (1, 1), padding: pad)
            #expect(out.shape == [2, outChannels, 6, 5])
            (out * weights).sum().backward()
            // The padded image's gradient inside its border, in x's order.
            let border = pad == (0, 0) ? padding : (0, 0)
            var dx: [Float] = []
            for i in 0..<2 { for ch in 0..<inChannels { for y in 0..<6 { for z in 0..<5 {
                dx.append(input.grad![i, ch, y + border.0, z + border.1])
            } } } }
            results.append((out.scalars, dx, weight.grad!.scalars, bias.grad!.scalars))
        }
        let (shifted, im2col) = (results[0], results[1])
        #expect(allClose(shifted.output, im2col.output, rtol: 1e-4, atol: 1e-4))
        #expect(allClose(shifted.dx, im2col.dx, rtol: 1e-4, atol: 1e-4))
        #expect(allClose(shifted.dw, im2col.dw, rtol: 1e-4, atol: 1e-4))
        #expect(allClose(shifted.db, im2col.db, rtol: 1e-4, atol: 1e-4))
    }

    @Test(arguments: windows)
    func gradientsMatchFiniteDifferences(window: ((Int, Int), (Int, Int))) {
        let (kernel, padding) = window
        var g = RandomGenerator(seed: 22)
        let x = Tensor.randn([2, 8, 4, 3], using: &g)
        let w = Tensor.randn([8, 8, kernel.0, kernel.1], using: &g)
        let b = Tensor.randn([8], using: &g)
        let report = checkGradients([x, w, b]) {
            Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: (1, 1), padding: padding)
        }
        #expect(report.passed, "\(report)")
    }

    @Test func gradientsAccumulateOverTwoUses() {
        var g = RandomGenerator(seed: 23)
        let x = Tensor.randn([1, 8, 3, 4], using: &g)
        let w = Tensor.randn([8, 8, 3, 3], using: &g)
        let report = checkGradients([x, w]) {
            Tensor.conv2d($0[0], weight: $0[1], padding: 1) * Tensor.conv2d($0[0], weight: $0[1], padding: 1)
        }
        #expect(report.passed, "\(report)")
    }
}
