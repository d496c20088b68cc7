import DDPTensor
import DDPTestSupport
import Foundation
import Testing

/// LayerNorm, GELU (tanh form) and causal self-attention: gradients against central
/// differences, values and gradients against PyTorch (`Tests/Reference/gpt/transformer_ops.json`,
/// recorded in float64; compared here within 1e-4 relative, 1e-5 absolute).
@Suite struct TransformerOpTests {
    // MARK: Finite differences

    @Test func layerNormGradients() {
        let x = normalValues([3, 7], scale: 2, seed: 81)
        let weight = uniformValues([7], seed: 82), bias = normalValues([7], seed: 83)
        let report = checkGradients([x, weight, bias]) { $0[0].layerNorm(weight: $0[1], bias: $0[2]) }
        #expect(report.passed, "\(report)")
        let plain = checkGradients([x]) { $0[0].layerNorm(weight: nil, bias: nil) }
        #expect(plain.passed, "\(plain)")
    }

    @Test func layerNormRowsHaveZeroMeanAndUnitVariance() {
        let y = normalValues([4, 16], scale: 5, seed: 84).layerNorm(weight: nil, bias: nil, eps: 0).scalars
        for row in 0..<4 {
            let values = y[(row * 16)..<(row * 16 + 16)].map(Double.init)
            let mean = values.reduce(0, +) / 16
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 16
            #expect(abs(mean) < 1e-6 && abs(variance - 1) < 1e-5, "row \(row): mean \(mean), variance \(variance)")
        }
    }

    @Test func geluTanhGradients() {
        let report = checkGradients([awayFromZero([12], low: 0.05, high: 3, seed: 85)]) { $0[0].gelu(approximate: .tanh) }
        #expect(report.passed, "\(report)")
    }

    @Test func geluTanhAgreesWithLibmTanhEverywhere() {
        // Its tanh is computed without libm; compare with tanhf from -12 to 12 and beyond.
        let values = (-2400...2400).map { Float($0) / 200 } + [-100, -30, 30, 100, 1e-6, -1e-6, 0]
        let c = Float(2 / Float.pi).squareRoot()
        let expected = values.map { 0.5 * $0 * (1 + tanhf(c * ($0 + 0.044715 * $0 * $0 * $0))) }
        let actual = Tensor(values).gelu(approximate: .tanh).scalars
        // Float32's rounding of 1 + tanh near -1 bounds both versions to about 1e-7·|x|.
        let worst = zip(zip(actual, expected), values).map { pair, x in abs(pair.0 - pair.1) / max(1, abs(x)) }.max() ?? 0
        #expect(worst <= 2e-7, "largest difference from tanhf, scaled by max(1, |x|): \(worst)")
    }

    @Test(arguments: [1, 2, 4])
    func causalSelfAttentionGradients(heads: Int) {
        let qkv = normalValues([2, 5, 3 * 8], seed: 86)
        let report = checkGradients([qkv]) { Tensor.causalSelfAttention($0[0], headCount: heads) }
        #expect(report.passed, "\(heads) heads: \(report)")
    }

    @Test func causalSelfAttentionWithDropoutGradients() {
        let qkv = normalValues([2, 6, 3 * 4], seed: 87)
        // The same seed draws the same mask at every evaluation.
        let report = checkGradients([qkv]) { inputs in
            var generator = RandomGenerator(seed: 88)
            return Tensor.causalSelfAttention(inputs[0], headCount: 2, dropout: 0.3, using: &generator)
        }
        #expect(report.passed, "\(report)")
    }

    @Test func attentionDoesNotSeeTheFuture() {
        let (time, packed) = (6, 3 * 8)
        let qkv = normalValues([1, time, packed], seed: 89)
        let before = Tensor.causalSelfAttention(qkv, headCount: 2).scalars
        // Change every query, key and value from position 3 on.
        for i in (3 * packed)..<(time * packed) { qkv.data[i] += 1 }
        let after = Tensor.causalSelfAttention(qkv, headCount: 2).scalars
        #expect(before[..<(3 * 8)] == after[..<(3 * 8)], "positions 0-2 changed")
        #expect(before[(3 * 8)...] != after[(3 * 8)...])
    }

    @Test func attentionMatchesBatchedMatmulAndMaskedSoftmax() {
        // One head: softmax(q kᵀ/√d + mask) v from the separate ops.
        let (time, d) = (5, 6)
        let qkv = normalValues([1, time, 3 * d], seed: 90)
        let fused = Tensor.causalSelfAttention(qkv, headCount: 1).scalars
        let q = qkv.sliced(axis: 2, range: 0..<d), k = qkv.sliced(axis: 2, range: d..<(2 * d)), v = qkv.sliced(axis: 2, range: (2 * d)...)
        let scores = Tensor.matmul(q, k, transposeRhs: true) * (1 / Float(d).squareRoot())
        var masked = scores.scalars
        for i in 0..<time { for j in (i + 1)..<time { masked[i * time + j] = -.infinity } }
        let weights = Tensor(masked, shape: [1, time, time]).softmax(alongAxis: 2)
        let composed = Tensor.matmul(weights, v).scalars
        #expect(allClose(fused, composed, rtol: 1e-5, atol: 1e-6))
    }

    // MARK: PyTorch

    @Test func layerNormMatchesPyTorch() throws {
        let case_ = try gptReference("transformer_ops.json").object("layer_norm")
        let shape = case_["shape"] as? [Int] ?? []
        let x = Tensor(case_.floats("x"), shape: shape, requiresGrad: true)
        let weight = Tensor(case_.floats("weight"), requiresGrad: true), bias = Tensor(case_.floats("bias"), requiresGrad: true)
        let y = x.layerNorm(weight: weight, bias: bias, eps: 1e-5)
        y.backward(gradient: Tensor(case_.floats("upstream"), shape: shape))
        #expect(allClose(y.scalars, case_.floats("y"), rtol: 1e-4, atol: 1e-5))
        #expect(allClose(x.grad!.scalars, case_.floats("dx"), rtol: 1e-4, atol: 1e-5))
        #expect(allClose(weight.grad!.scalars, case_.floats("dweight"), rtol: 1e-4, atol: 1e-5))
        #expect(allClose(bias.grad!.scalars, case_.floats("dbias"), rtol: 1e-4, atol: 1e-5))
    }

    @Test func geluTanhMatchesPyTorch() throws {
        let case_ = try gptReference("transformer_ops.json").object("gelu_tanh")
        let x = Tensor(case_.floats("x"), requiresGrad: true)
        let y = x.gelu(approximate: .tanh)
        y.backward(gradient: Tensor(case_.floats("upstream")))
        #expect(allClose(y.scalars, case_.floats("y"), rtol: 1e-4, atol: 1e-5))
        #expect(allClose(x.grad!.scalars, case_.floats("dx"), rtol: 1e-4, atol: 1e-5))
    }

    @Test func causalSelfAttentionMatchesPyTorch() throws {
        let case_ = try gptReference("transformer_ops.json").object("causal_self_attention")
        let (batch, time, channels) = (case_["batch"] as? Int ?? 0, case_["time"] as? Int ?? 0, case_["channels"] as? Int ?? 0)
        let qkv = Tensor(case_.floats("qkv"), shape: [batch, time, 3 * channels], requiresGrad: true)
        let y = Tensor.causalSelfAttention(qkv, headCount: case_["heads"] as? Int ?? 0)
        y.backward(gradient: Tensor(case_.floats("upstream"), shape: [batch, time, channels]))
        #expect(allClose(y.scalars, case_.floats("y"), rtol: 1e-4, atol: 1e-5))
        #expect(allClose(qkv.grad!.scalars, case_.floats("dqkv"), rtol: 1e-4, atol: 1e-5))
    }
}
