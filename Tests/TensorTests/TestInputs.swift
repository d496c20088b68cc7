import DDPTensor

// Inputs for gradient checks that keep clear of kinks: central differences with a step of
// 1e-2 are only meaningful where the function is smooth within that step.

/// Values at least `spacing` apart in random order, so that no two tie within a step.
func distinctValues(_ shape: [Int], spacing: Float = 0.1, seed: UInt64) -> Tensor {
    let n = shape.reduce(1, *)
    var generator = RandomGenerator(seed: seed)
    let values = (0..<n).map { Float($0) * spacing - Float(n) * spacing / 2 }.shuffled(using: &generator)
    return Tensor(values, shape: shape)
}

/// Values whose magnitudes lie in `low...high`, with random signs: away from zero.
func awayFromZero(_ shape: [Int], low: Float = 0.3, high: Float = 1.5, seed: UInt64) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    let magnitudes = Tensor.uniform(shape, low: low, high: high, using: &generator)
    let values = magnitudes.scalars.map { generator.nextUniform() < 0.5 ? -$0 : $0 }
    return Tensor(values, shape: shape)
}

/// Values in `low..<high` (positive by default, for log, sqrt and powers).
func uniformValues(_ shape: [Int], low: Float = 0.5, high: Float = 2, seed: UInt64) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    return Tensor.uniform(shape, low: low, high: high, using: &generator)
}

/// Standard normal values.
func normalValues(_ shape: [Int], scale: Float = 1, seed: UInt64) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    return Tensor.randn(shape, std: scale, using: &generator)
}
