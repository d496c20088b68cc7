extension Tensor {
    /// A tensor of zeros.
    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        full(shape, 0, requiresGrad: requiresGrad)
    }

    /// A tensor of ones.
    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        full(shape, 1, requiresGrad: requiresGrad)
    }

    /// A tensor with every element equal to `value`.
    public static func full(_ shape: [Int], _ value: Float, requiresGrad: Bool = false) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        result.fill(value)
        result.requiresGrad = requiresGrad
        return result
    }

    /// Zeros shaped like `other`.
    public static func zeros(like other: Tensor) -> Tensor { zeros(other.shape) }

    /// Values `start, start + step, ...` below `end` (as `torch.arange`).
    public static func arange(_ start: Float = 0, _ end: Float, step: Float = 1) -> Tensor {
        precondition(step != 0, "arange needs a non-zero step")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        let result = Tensor(uninitializedShape: [n])
        for i in 0..<n { result.data[i] = start + Float(i) * step }
        return result
    }

    /// Standard normal values drawn from `generator`.
    public static func randn(
        _ shape: [Int], mean: Float = 0, std: Float = 1,
        using generator: inout RandomGenerator, requiresGrad: Bool = false
    ) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let out = result.data
        var i = 0
        while i < result.count {
            let (a, b) = generator.nextNormalPair()
            out[i] = mean + std * a
            if i + 1 < result.count { out[i + 1] = mean + std * b }
            i += 2
        }
        result.requiresGrad = requiresGrad
        return result
    }

    /// Uniform values in `[low, high)` drawn from `generator`.
    public static func uniform(
        _ shape: [Int], low: Float = 0, high: Float = 1,
        using generator: inout RandomGenerator, requiresGrad: Bool = false
    ) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let out = result.data
        let width = high - low
        for i in 0..<result.count { out[i] = low + width * generator.nextUniform() }
        result.requiresGrad = requiresGrad
        return result
    }
}
