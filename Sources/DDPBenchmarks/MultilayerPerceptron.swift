import DDPNN
import DDPTensor

/// Linear layers of `sizes` with ReLU between them, initialised from `seed`: the MLPs the
/// benchmarks time.
func multilayerPerceptron(_ sizes: [Int], seed: UInt64) -> Sequential {
    var generator = RandomGenerator(seed: seed)
    var layers: [any Layer] = []
    for index in 0..<(sizes.count - 1) {
        layers.append(Linear(sizes[index], sizes[index + 1], using: &generator))
        if index < sizes.count - 2 { layers.append(ReLU()) }
    }
    return Sequential(layers)
}
