import DDPTensor

/// The largest value of each window of `[batch, channels, height, width]` (as `torch.nn.MaxPool2d`).
public final class MaxPool2d: Module, Layer {
    public let kernelSize: (height: Int, width: Int)
    public let stride: (height: Int, width: Int)
    public let padding: (height: Int, width: Int)

    /// Pools over `(height, width)` windows; the stride defaults to the kernel size.
    public init(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
    }

    /// Pools over square windows; the stride defaults to the kernel size.
    public convenience init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.init(kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding))
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.maxPool2d(kernelSize: (kernelSize.height, kernelSize.width), stride: (stride.height, stride.width),
                        padding: (padding.height, padding.width))
    }
}

/// The mean of each window of `[batch, channels, height, width]` (as `torch.nn.AvgPool2d`).
public final class AvgPool2d: Module, Layer {
    public let kernelSize: (height: Int, width: Int)
    public let stride: (height: Int, width: Int)
    public let padding: (height: Int, width: Int)
    /// Whether padding counts in the divisor (PyTorch's default) or only elements inside the image.
    public let countIncludePad: Bool

    /// Pools over `(height, width)` windows; the stride defaults to the kernel size.
    public init(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                countIncludePad: Bool = true) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.countIncludePad = countIncludePad
    }

    /// Pools over square windows; the stride defaults to the kernel size.
    public convenience init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true) {
        self.init(kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) },
                  padding: (padding, padding), countIncludePad: countIncludePad)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.avgPool2d(kernelSize: (kernelSize.height, kernelSize.width), stride: (stride.height, stride.width),
                        padding: (padding.height, padding.width), countIncludePad: countIncludePad)
    }
}

/// The mean of each channel's whole plane, `[batch, channels, height, width]` to
/// `[batch, channels]` (as `torch.nn.AdaptiveAvgPool2d((1, 1))` followed by flattening).
public final class GlobalAvgPool2d: Module, Layer {
    public override init() {}

    public func callAsFunction(_ input: Tensor) -> Tensor { input.globalAvgPool2d() }
}
