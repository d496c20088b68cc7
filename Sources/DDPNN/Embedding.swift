import DDPTensor

/// Rows of `weight` `[count, dimension]` picked by `indices`, shaped `shape + [dimension]`
/// (as `torch.nn.functional.embedding`); the backward adds each output row's gradient into
/// the row it came from, so a repeated index sums its gradients.
public func embedding(_ weight: Tensor, indices: [Int], shape: [Int]) -> Tensor {
    precondition(weight.rank == 2, "embedding weight must be [count, dimension], not \(weight.shape)")
    precondition(shape.reduce(1, *) == indices.count, "\(indices.count) indices do not fill shape \(shape)")
    let (rows, dimension) = (weight.shape[0], weight.shape[1])
    for index in indices {
        precondition(index >= 0 && index < rows, "embedding index \(index) is out of range for \(rows) rows")
    }
    let result = Tensor(uninitializedShape: shape + [dimension])
    for (i, index) in indices.enumerated() {
        (result.data + i * dimension).update(from: weight.data + index * dimension, count: dimension)
    }
    return Tensor.record(result, name: "embedding", inputs: [weight]) { ctx in
        let g = ctx.gradOutput.data
        ctx.withGradient(of: 0) { dW, accumulate in
            if !accumulate { dW.update(repeating: 0, count: rows * dimension) }
            for (i, index) in indices.enumerated() {
                let source = g + i * dimension, target = dW + index * dimension
                for j in 0..<dimension { target[j] += source[j] }
            }
        }
    }
}

/// A lookup table of `count` vectors of size `dimension` (as `torch.nn.Embedding`), with
/// `weight` `[count, dimension]` drawn from N(0, 1).
public final class Embedding: Module, Layer {
    public let weight: Tensor

    public init(_ count: Int, _ dimension: Int, using generator: inout RandomGenerator) {
        precondition(count > 0 && dimension > 0, "Embedding needs positive sizes, not \(count) x \(dimension)")
        weight = Tensor.randn([count, dimension], using: &generator, requiresGrad: true)
    }

    public var count: Int { weight.shape[0] }
    public var dimension: Int { weight.shape[1] }

    public override var namedLocalParameters: [(String, Tensor)] { [("weight", weight)] }

    /// The vectors of `indices`, shaped `shape + [dimension]` (`[indices.count, dimension]` by default).
    public func callAsFunction(_ indices: [Int], shape: [Int]? = nil) -> Tensor {
        embedding(weight, indices: indices, shape: shape ?? [indices.count])
    }

    /// The vectors of the indices held (as whole numbers) in `input`, shaped `input.shape + [dimension]`,
    /// so that an embedding can open a ``Sequential``.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let indices = input.scalars.map { value -> Int in
            precondition(value == value.rounded() && value >= 0, "embedding index \(value) is not a whole number")
            return Int(value)
        }
        return embedding(weight, indices: indices, shape: input.shape)
    }
}
