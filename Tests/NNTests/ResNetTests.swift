import DDPNN
import DDPTensor
import DDPTestSupport
import Testing

@Suite struct ResNetTests {
    @Test func equalWidthsMakeOneStage() {
        #expect(ResNet.stageWidths([16, 32, 64]) == [[16], [32], [64]])
        #expect(ResNet.stageWidths([8, 8, 16, 32, 32]) == [[8, 8], [16], [32, 32]])
        #expect(ResNet.stageWidths([4]) == [[4]])
    }

    @Test func namesFollowTorchvisionAndShortcutsProjectOnlyWhereShapesChange() {
        var generator = RandomGenerator(seed: 1)
        let net = ResNet(inChannels: 1, blockWidths: [4, 4, 8], classes: 3, using: &generator)
        let names = net.stateDict().map(\.name)
        #expect(names.prefix(6) == ["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                                    "bn1.num_batches_tracked"])
        #expect(names.contains("layer1.1.conv2.weight") && names.contains("layer2.0.downsample.0.weight"))
        #expect(names.contains("layer2.0.downsample.1.running_var"))
        #expect(!names.contains { $0.hasPrefix("layer1.0.downsample") || $0.hasPrefix("layer1.1.downsample") })
        #expect(names.suffix(2) == ["fc.weight", "fc.bias"])
        #expect(net.stages[1].layers.count == 1)
    }

    @Test func eachLaterStageHalvesTheResolution() {
        var generator = RandomGenerator(seed: 2)
        let net = ResNet(inChannels: 1, blockWidths: [2, 3, 4], classes: 5, using: &generator)
        let images = Tensor.randn([2, 1, 28, 28], using: &generator)
        let stem = net.bn1(net.conv1(images)).relu()
        let first = net.stages[0](stem), second = net.stages[1](first), third = net.stages[2](second)
        #expect(first.shape == [2, 2, 28, 28] && second.shape == [2, 3, 14, 14] && third.shape == [2, 4, 7, 7])
        #expect(net(images).shape == [2, 5])
    }

    /// Every weight and the input of a small ResNet in training mode (batch statistics),
    /// against central differences of sum(logits ⊙ R) with a step of 1e-3.
    ///
    /// A step moves some normalised pre-activations across a ReLU's kink, which spoils the
    /// difference of the entries that feed them (a few percent here), so instead of every
    /// entry: at most 1 in 25 outside |autograd − numeric| <= 3e-3 + 3e-2·|numeric|, and each
    /// tensor's gradient within 5% of its numeric one in L2 norm. A wrong formula (a factor, a
    /// sign, a missing term) breaks both for whole tensors.
    @Test func gradientsMatchFiniteDifferences() {
        var generator = RandomGenerator(seed: 3)
        let net = ResNet(inChannels: 2, blockWidths: [2, 3], classes: 3, using: &generator)
        // γ and β away from 1 and 0, so their gradients are tested in earnest.
        for case let batchNorm as BatchNormalization in net.modules() {
            batchNorm.weight!.assign(Tensor.uniform([batchNorm.features], low: 0.5, high: 1.5, using: &generator))
            batchNorm.bias!.assign(Tensor.randn([batchNorm.features], using: &generator))
        }
        let images = Tensor.randn([4, 2, 6, 6], using: &generator)
        images.requiresGrad = true
        let weights = Tensor.randn([4, 3], using: &generator)
        (net(images) * weights).sum().backward()
        func objective() -> Double {
            noGrad {
                let logits = net(images)
                return (0..<logits.count).reduce(0.0) { $0 + Double(logits.data[$1]) * Double(weights.data[$1]) }
            }
        }

        let step: Float = 1e-3
        var outside = 0, entries = 0
        for (index, tensor) in ([images] + net.parameters()).enumerated() {
            let analytic: [Double] = (tensor.grad?.scalars ?? []).map { Double($0) }
            var numeric: [Double] = []
            for i in 0..<tensor.count {
                let original = tensor.data[i]
                tensor.data[i] = original + step
                let plus = objective()
                tensor.data[i] = original - step
                let minus = objective()
                tensor.data[i] = original
                numeric.append((plus - minus) / (2 * Double(step)))
            }
            #expect(analytic.count == numeric.count, "tensor \(index) has no gradient")
            var squaredDifference = 0.0, squaredNorm = 0.0
            for i in 0..<min(analytic.count, numeric.count) {
                let n: Double = numeric[i]
                let gap: Double = abs(analytic[i] - n)
                if gap > 3e-3 + 3e-2 * abs(n) { outside += 1 }
                squaredDifference += gap * gap
                squaredNorm += n * n
            }
            entries += numeric.count
            let difference = squaredDifference.squareRoot(), norm = squaredNorm.squareRoot()
            #expect(difference <= 0.05 * norm + 3e-3, "tensor \(index): autograd \(analytic.prefix(6)), numeric \(numeric.prefix(6))")
        }
        #expect(outside * 25 <= entries, "\(outside) of \(entries) entries outside the tolerance")
    }
}
