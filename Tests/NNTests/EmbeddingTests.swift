import DDPNN
import DDPTensor
import DDPTestSupport
import Testing

@Suite struct EmbeddingTests {
    @Test func looksUpRowsInTheRequestedShape() {
        var g = RandomGenerator(seed: 1)
        let table = Embedding(5, 3, using: &g)
        #expect(table.namedParameters().map { "\($0.name) \($0.tensor.shape)" } == ["weight [5, 3]"])
        let out = table([4, 0, 4, 2], shape: [2, 2])
        #expect(out.shape == [2, 2, 3])
        for (i, index) in [4, 0, 4, 2].enumerated() {
            for j in 0..<3 { #expect(out.data[i * 3 + j] == table.weight[index, j]) }
        }
        #expect(table(Tensor([1, 3], shape: [1, 2])).shape == [1, 2, 3])
        #expect(table(Tensor([1, 3], shape: [1, 2])).scalars == table([1, 3]).scalars)
    }

    @Test func repeatedIndicesSumTheirGradients() {
        var g = RandomGenerator(seed: 2)
        let weight = Tensor.randn([4, 3], using: &g)
        let indices = [2, 0, 2, 1, 2]
        let report = checkGradients([weight]) { embedding($0[0], indices: indices, shape: [5]) }
        #expect(report.passed, "\(report)")
        weight.grad = nil
        embedding(weight, indices: indices, shape: [5]).sum().backward()
        #expect(weight.grad!.scalars == [1, 1, 1, 1, 1, 1, 3, 3, 3, 0, 0, 0])
    }

    @Test func initialisedFromAStandardNormal() {
        var g = RandomGenerator(seed: 3)
        let values = Embedding(1000, 20, using: &g).weight.scalars
        let mean = values.reduce(0, +) / Float(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(values.count)
        #expect(abs(mean) < 0.02 && abs(variance - 1) < 0.03, "mean \(mean), variance \(variance)")
    }
}
