import DDPData
import DDPNN
import DDPTensor
import DDPTestSupport
import Foundation
import Testing

/// The GPT module: nanoGPT's parameter names and initialisation, weight tying, loading
/// PyTorch's weights by name, and sampling.
@Suite struct GPTModelTests {
    let small = GPTConfiguration(vocabularySize: 13, blockSize: 8, layerCount: 2, headCount: 2, embeddingSize: 16)

    @Test func parametersHaveNanoGPTNames() {
        var generator = RandomGenerator(seed: 1)
        let model = GPT(small, using: &generator)
        let names = model.stateDict().map(\.name)
        #expect(Array(names.prefix(6)) == ["transformer.wte.weight", "transformer.wpe.weight",
                                           "transformer.h.0.ln_1.weight", "transformer.h.0.ln_1.bias",
                                           "transformer.h.0.attn.c_attn.weight", "transformer.h.0.attn.c_attn.bias"])
        #expect(names.contains("transformer.h.1.mlp.c_proj.bias"))
        #expect(Array(names.suffix(3)) == ["transformer.ln_f.weight", "transformer.ln_f.bias", "lm_head.weight"])
        // lm_head.weight is the token embedding: listed twice, trained once.
        #expect(model.head.weight === model.transformer.tokenEmbedding.weight)
        #expect(model.parameters().count == names.count - 1)
        // 12·layers·width² + embeddings + biases and norms, as nanoGPT counts.
        let width = 16, layers = 2
        let expected = 13 * width + 8 * width + layers * (12 * width * width + 13 * width) + 2 * width
        #expect(model.parameterCount == expected)
    }

    @Test func initialWeightsFollowNanoGPT() {
        var generator = RandomGenerator(seed: 2)
        let model = GPT(GPTConfiguration(vocabularySize: 50, blockSize: 64, layerCount: 8, headCount: 4, embeddingSize: 64),
                        using: &generator)
        func std(_ tensor: Tensor) -> Double {
            let values = tensor.scalars.map(Double.init)
            return (values.map { $0 * $0 }.reduce(0, +) / Double(values.count)).squareRoot()
        }
        let block = model.transformer.blocks[0]
        #expect(abs(std(block.attention.packedProjection.weight) - 0.02) < 0.001)
        #expect(abs(std(block.mlp.project.weight) - 0.02 / 4) < 0.0003)
        #expect(block.attention.packedProjection.bias!.scalars.allSatisfy { $0 == 0 })
        #expect(block.attentionNorm.weight.scalars.allSatisfy { $0 == 1 })
    }

    @Test func pytorchInitialWeightsLoadByName() throws {
        var generator = RandomGenerator(seed: 3)
        let model = GPT(small, using: &generator)
        let file = try SafeTensorsFile.read(from: gptReferenceDirectory + "/gpt_initial.safetensors")
        try model.load(stateDict: file.dictionary, strict: true)
        #expect(model.transformer.tokenEmbedding.weight.scalars == file.dictionary["transformer.wte.weight"]!.scalars)
    }

    @Test func theLossOfAnUntrainedModelIsNearUniform() {
        var generator = RandomGenerator(seed: 4)
        let model = GPT(small, using: &generator)
        let tokens = (0..<16).map { $0 % 13 }
        let loss = Double(model.loss(tokens, targets: tokens.reversed(), batch: 2, time: 8).item)
        #expect(abs(loss - log(13.0)) < 0.1, "loss \(loss), uniform \(log(13.0))")
    }

    @Test func evaluationModeTurnsEveryDropoutOff() {
        var generator = RandomGenerator(seed: 6)
        var configuration = small
        configuration.dropout = 0.5
        let model = GPT(configuration, using: &generator)
        let tokens = (0..<16).map { $0 % 13 }
        let plain = GPT(small, using: &generator)
        try? plain.load(stateDict: Dictionary(uniqueKeysWithValues: model.stateDict().map { ($0.name, $0.tensor) }))
        model.eval()
        plain.eval()
        // Outside a trainer no random stream is bound: any dropout left on would stop here.
        let withDropout = noGrad { model.logits(tokens, batch: 2, time: 8) }.scalars
        #expect(withDropout == noGrad { plain.logits(tokens, batch: 2, time: 8) }.scalars)
    }

    @Test func samplingIsSeededAndTopOneIsGreedy() {
        var generator = RandomGenerator(seed: 5)
        let model = GPT(small, using: &generator)
        model.eval()
        func sample(seed: UInt64, topK: Int?) -> [Int] {
            var sampling = RandomGenerator(seed: seed)
            return model.generate(prompt: [1, 2, 3], count: 20, temperature: 1, topK: topK, using: &sampling)
        }
        #expect(sample(seed: 1, topK: nil) == sample(seed: 1, topK: nil))
        #expect(sample(seed: 1, topK: nil) != sample(seed: 2, topK: nil))
        // With one candidate, every seed picks the likeliest token.
        let greedy = sample(seed: 1, topK: 1)
        #expect(greedy == sample(seed: 9, topK: 1))
        #expect(greedy.count == 23 && Array(greedy.prefix(3)) == [1, 2, 3])
        let context = Array(greedy.prefix(10).suffix(8))
        let last = Array(noGrad { model.logits(context, batch: 1, time: 8) }.scalars.suffix(13))
        #expect(greedy[10] == last.indices.max { last[$0] < last[$1] })
    }
}
