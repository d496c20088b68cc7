import DDPNN
import DDPTensor
import Testing

@Suite struct ActivationLayerTests {
    @Test func layersApplyTheirFunctionsWithPyTorchDefaults() {
        let x = Tensor([-2, -0.5, 0.5, 3])
        #expect(LeakyReLU()(x).scalars == [-0.02, -0.005, 0.5, 3])
        #expect(LeakyReLU(negativeSlope: 0.2)(x).scalars == [-0.4, -0.1, 0.5, 3])
        #expect(Sigmoid()(x).scalars == x.sigmoid().scalars)
        #expect(Tanh()(x).scalars == x.tanh().scalars)
        #expect(GELU()(x).scalars == x.gelu().scalars)
        #expect(GELU(approximate: .tanh)(x).scalars == x.gelu(approximate: .tanh).scalars)
        #expect(Softplus()(x).scalars == x.softplus().scalars)
    }

    @Test func activationsInASequentialOccupyIndicesButHoldNoParameters() {
        var g = RandomGenerator(seed: 0)
        let model = Sequential(Linear(2, 4, using: &g), Tanh(), Linear(4, 4, using: &g), LeakyReLU(),
                               Linear(4, 1, using: &g), Sigmoid())
        #expect(model.namedParameters().map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"])
    }
}
