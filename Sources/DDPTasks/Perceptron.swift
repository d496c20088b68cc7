/// A multilayer perceptron `sizes[0] → sizes[1] → … → sizes.last`, with `activation`
/// between layers and `output` (if any) after the last, its weights drawn from `seed` so
/// every rank and every run starts alike.
func perceptron(
    _ sizes: [Int], activation: () -> any Layer, output: (any Layer)? = nil, seed: UInt64
) -> Sequential {
    precondition(sizes.count >= 2, "a perceptron needs an input and an output size, got \(sizes)")
    var generator = RandomGenerator(seed: seed)
    var layers: [any Layer] = []
    for index in 0..<(sizes.count - 1) {
        layers.append(Linear(sizes[index], sizes[index + 1], using: &generator))
        if index < sizes.count - 2 { layers.append(activation()) }
    }
    if let output { layers.append(output) }
    return Sequential(layers)
}
