import DDPNN
import DDPTensor
import DDPTestSupport
import Testing

@Suite struct ConvolutionLayerTests {
    @Test func conv2dParametersHavePyTorchNamesShapesAndInitialisation() {
        var g = RandomGenerator(seed: 1)
        let conv = Conv2d(16, 8, kernelSize: 3, using: &g)
        #expect(conv.namedParameters().map { "\($0.name) \($0.tensor.shape)" } == ["weight [8, 16, 3, 3]", "bias [8]"])
        // kaiming-uniform(a = √5): U(±1/√fanIn) with fanIn = 16·3·3 = 144, for weight and bias.
        let bound: Float = 1 / 12
        let weights = conv.weight.scalars
        #expect(weights.allSatisfy { abs($0) <= bound })
        #expect(weights.map(abs).max()! > 0.95 * bound)
        #expect(conv.bias!.scalars.allSatisfy { abs($0) <= bound })
        #expect(Conv2d(2, 3, kernelSize: (1, 2), bias: false, using: &g).namedParameters().map(\.name) == ["weight"])
    }

    @Test func conv2dLayerAppliesItsStrideAndPadding() {
        var g = RandomGenerator(seed: 2)
        let conv = Conv2d(3, 5, kernelSize: (3, 2), stride: (2, 1), padding: (1, 0), using: &g)
        let x = Tensor.randn([2, 3, 9, 6], using: &g)
        let out = conv(x)
        #expect(out.shape == [2, 5, 5, 5])
        #expect(out.scalars == Tensor.conv2d(x, weight: conv.weight, bias: conv.bias, stride: (2, 1), padding: (1, 0)).scalars)
    }

    @Test func poolingLayersAndFlattenShapes() {
        var g = RandomGenerator(seed: 0)
        let x = Tensor.randn([2, 3, 8, 6], using: &g)
        #expect(MaxPool2d(kernelSize: 2)(x).shape == [2, 3, 4, 3])
        #expect(MaxPool2d(kernelSize: 3, stride: 1, padding: 1)(x).shape == [2, 3, 8, 6])
        #expect(AvgPool2d(kernelSize: (2, 3))(x).shape == [2, 3, 4, 2])
        #expect(Flatten()(x).shape == [2, 144])
        #expect(Flatten(startDimension: 0)(x).shape == [288])
        #expect(Flatten(startDimension: 1, endDimension: 2)(x).shape == [2, 24, 6])
        #expect(Flatten()(x).scalars == x.scalars)
    }

    @Test func dropoutLayerFollowsTheTrainingFlag() {
        let layer = Dropout(0.5, generator: RandomGenerator(seed: 3))
        let x = Tensor.ones([10_000])
        let trained = layer(x).scalars
        #expect(trained.allSatisfy { $0 == 0 || $0 == 2 })
        #expect(abs(trained.reduce(0, +) / Float(trained.count) - 1) < 0.05)
        // Its own stream advances: two calls give two masks.
        #expect(layer(x).scalars != trained)
        layer.eval()
        #expect(layer(x).scalars == x.scalars)
    }

    @Test func dropoutLayerWithTheSameSeedRepeatsItsMasks() {
        let a = Dropout(0.3, generator: RandomGenerator(seed: 4))
        let b = Dropout(0.3, generator: RandomGenerator(seed: 4))
        var inputs = RandomGenerator(seed: 5)
        let x = Tensor.randn([500], using: &inputs)
        #expect(a(x).scalars == b(x).scalars)
        #expect(a(x).scalars == b(x).scalars)
    }

    @Test func smallConvolutionalNetworkLearnsBarOrientation() {
        // Vertical bars are class 0, horizontal bars class 1, at random positions in 6x6 images.
        var g = RandomGenerator(seed: 5)
        var images: [Float] = [], labels: [Int] = []
        for i in 0..<64 {
            var image = [Float](repeating: 0, count: 36)
            let line = Int(g.next() % 6)
            for k in 0..<6 { image[i % 2 == 0 ? k * 6 + line : line * 6 + k] = 1 }
            images += image
            labels.append(i % 2)
        }
        let x = Tensor(images, shape: [64, 1, 6, 6])
        let model = Sequential(
            Conv2d(1, 4, kernelSize: 3, padding: 1, using: &g), ReLU(), MaxPool2d(kernelSize: 2),
            Flatten(), Linear(36, 2, using: &g))
        for _ in 0..<150 {
            for p in model.parameters() { p.grad = nil }
            crossEntropy(model(x), targets: labels).backward()
            noGrad { for p in model.parameters() { p.assign(p - p.grad! * 0.5) } }
        }
        let logits = noGrad { model(x) }
        let correct = (0..<64).filter { (logits[$0, 1] > logits[$0, 0] ? 1 : 0) == labels[$0] }.count
        #expect(correct == 64, "\(correct) of 64")
    }
}
