import DDPTensor

/// 2-D convolution over `[batch, inChannels, height, width]` (as `torch.nn.Conv2d`), with
/// `weight` shaped `[outChannels, inChannels, kernelHeight, kernelWidth]` and `bias` `[outChannels]`.
///
/// Initialised as PyTorch does: weight and bias from U(-1/√fanIn, 1/√fanIn) with
/// fanIn = inChannels · kernelHeight · kernelWidth (kaiming-uniform with a = √5).
public final class Conv2d: Module, Layer {
    public let weight: Tensor
    public let bias: Tensor?
    /// The step of the window, `(height, width)`.
    public let stride: (height: Int, width: Int)
    /// Zeros added on each side of the input, `(height, width)`.
    public let padding: (height: Int, width: Int)

    /// A layer with a `(height, width)` kernel, stride and padding, initialised from `generator`.
    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
        padding: (Int, Int) = (0, 0), bias: Bool = true, using generator: inout RandomGenerator
    ) {
        precondition(inChannels > 0 && outChannels > 0 && kernelSize.0 > 0 && kernelSize.1 > 0,
                     "Conv2d needs positive sizes, not \(inChannels) -> \(outChannels) with kernel \(kernelSize)")
        let bound = Initialization.defaultUniformBound(fanIn: inChannels * kernelSize.0 * kernelSize.1)
        weight = Tensor.uniform([outChannels, inChannels, kernelSize.0, kernelSize.1],
                                low: -bound, high: bound, using: &generator, requiresGrad: true)
        self.bias = bias
            ? Tensor.uniform([outChannels], low: -bound, high: bound, using: &generator, requiresGrad: true) : nil
        self.stride = stride
        self.padding = padding
    }

    /// A layer with a square kernel, stride and padding, initialised from `generator`.
    public convenience init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        bias: Bool = true, using generator: inout RandomGenerator
    ) {
        self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
                  padding: (padding, padding), bias: bias, using: &generator)
    }

    public var inChannels: Int { weight.shape[1] }
    public var outChannels: Int { weight.shape[0] }
    /// The window, `(height, width)`.
    public var kernelSize: (height: Int, width: Int) { (weight.shape[2], weight.shape[3]) }

    public override var namedLocalParameters: [(String, Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        Tensor.conv2d(input, weight: weight, bias: bias, stride: (stride.height, stride.width),
                      padding: (padding.height, padding.width))
    }
}
