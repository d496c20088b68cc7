import DDPTensor

/// Collapses dimensions `startDimension...endDimension` into one (as `torch.nn.Flatten`,
/// which by default keeps the batch dimension: `[N, C, H, W] -> [N, C·H·W]`).
public final class Flatten: Module, Layer {
    public let startDimension: Int
    /// The last dimension collapsed; negative values count from the end (-1 is the last).
    public let endDimension: Int

    public init(startDimension: Int = 1, endDimension: Int = -1) {
        self.startDimension = startDimension
        self.endDimension = endDimension
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let start = input.normalizedAxis(startDimension), end = input.normalizedAxis(endDimension)
        precondition(start <= end, "Flatten start dimension \(startDimension) comes after end dimension \(endDimension) for input \(input.shape)")
        let collapsed = input.shape[start...end].reduce(1, *)
        return input.reshaped(Array(input.shape[..<start]) + [collapsed] + Array(input.shape[(end + 1)...]))
    }
}
