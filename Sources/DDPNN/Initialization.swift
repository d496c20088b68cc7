import DDPTensor

/// PyTorch's default initialisations.
public enum Initialization {
    /// `kaiming_uniform_(a: √5)` as PyTorch's `Linear` and `Conv2d` use for their weight,
    /// which reduces to U(-1/√fanIn, 1/√fanIn); the same bound serves their bias.
    public static func defaultUniformBound(fanIn: Int) -> Float {
        fanIn > 0 ? 1 / Float(fanIn).squareRoot() : 0
    }

    /// Kaiming (He) uniform: U(-b, b) with b = gain · √(3 / fanIn).
    public static func kaimingUniform(
        _ shape: [Int], fanIn: Int, gain: Float = Float(2).squareRoot(), using generator: inout RandomGenerator
    ) -> Tensor {
        let bound = gain * (3 / Float(fanIn)).squareRoot()
        return Tensor.uniform(shape, low: -bound, high: bound, using: &generator, requiresGrad: true)
    }

    /// Xavier (Glorot) uniform: U(-b, b) with b = gain · √(6 / (fanIn + fanOut)).
    public static func xavierUniform(
        _ shape: [Int], fanIn: Int, fanOut: Int, gain: Float = 1, using generator: inout RandomGenerator
    ) -> Tensor {
        let bound = gain * (6 / Float(fanIn + fanOut)).squareRoot()
        return Tensor.uniform(shape, low: -bound, high: bound, using: &generator, requiresGrad: true)
    }
}
