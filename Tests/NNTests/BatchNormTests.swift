import DDPNN
import DDPTensor
import DDPTestSupport
import Testing

@Suite struct BatchNormTests {
    /// Gives γ and β values other than 1 and 0, so their gradients are tested in earnest.
    private func randomizeAffine(_ layer: BatchNormalization, seed: UInt64) {
        var g = RandomGenerator(seed: seed)
        layer.weight!.assign(Tensor.uniform([layer.features], low: 0.5, high: 1.5, using: &g))
        layer.bias!.assign(Tensor.randn([layer.features], using: &g))
    }

    @Test(arguments: [[6, 3], [4, 3, 5]])
    func batchNorm1dGradientsInTraining(shape: [Int]) {
        let layer = BatchNorm1d(3)
        randomizeAffine(layer, seed: 1)
        var g = RandomGenerator(seed: 2)
        let x = Tensor.randn(shape, mean: 1, std: 2, using: &g)
        let report = checkGradients([x, layer.weight!, layer.bias!]) { layer($0[0]) }
        #expect(report.passed, "\(report)")
    }

    @Test func batchNorm2dGradientsInTraining() {
        let layer = BatchNorm2d(2)
        randomizeAffine(layer, seed: 3)
        var g = RandomGenerator(seed: 4)
        let x = Tensor.randn([3, 2, 3, 4], mean: -1, std: 1.5, using: &g)
        let report = checkGradients([x, layer.weight!, layer.bias!]) { layer($0[0]) }
        #expect(report.passed, "\(report)")
    }

    @Test func batchNorm2dGradientsInEvaluation() {
        let layer = BatchNorm2d(2)
        randomizeAffine(layer, seed: 5)
        layer.runningMean!.assign(Tensor([0.5, -1]))
        layer.runningVariance!.assign(Tensor([2, 0.5]))
        layer.eval()
        var g = RandomGenerator(seed: 6)
        let x = Tensor.randn([2, 2, 3, 3], using: &g)
        let report = checkGradients([x, layer.weight!, layer.bias!]) { layer($0[0]) }
        #expect(report.passed, "\(report)")
    }

    @Test func functionalBatchNormWithoutAffineOrRunningStatistics() {
        var g = RandomGenerator(seed: 7)
        let x = Tensor.randn([5, 3, 2], using: &g)
        let report = checkGradients([x]) {
            Tensor.batchNorm($0[0], runningMean: nil, runningVariance: nil, weight: nil, bias: nil, training: true)
        }
        #expect(report.passed, "\(report)")
    }

    @Test func trainingNormalisesEachChannel() {
        var g = RandomGenerator(seed: 8)
        let x = Tensor.randn([16, 2, 3, 3], mean: 3, std: 2, using: &g)
        let y = BatchNorm2d(2)(x)
        for c in 0..<2 {
            var values: [Float] = []
            for n in 0..<16 { for i in 0..<3 { for j in 0..<3 { values.append(y[n, c, i, j]) } } }
            let mean = values.reduce(0, +) / Float(values.count)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(values.count)
            #expect(abs(mean) < 1e-5)
            #expect(abs(variance - 1) < 1e-3)   // biased variance, less ε
        }
    }

    @Test func runningStatisticsAfterOneStepMatchTheClosedForm() {
        let layer = BatchNorm1d(2)
        let x = Tensor([1, 10, 2, 20, 4, 30, 7, 60], shape: [4, 2])
        _ = layer(x)
        // Channel 0: 1, 2, 4, 7 (mean 3.5, Σ(x - mean)² = 21); channel 1: 10, 20, 30, 60 (mean 30, 1400).
        let unbiased: [Float] = [21 / 3, 1400 / 3]
        #expect(allClose(layer.runningMean!.scalars, [0.1 * 3.5, 0.1 * 30]))
        #expect(allClose(layer.runningVariance!.scalars, [0.9 + 0.1 * unbiased[0], 0.9 + 0.1 * unbiased[1]]))
        #expect(layer.batchesTracked!.item == 1)
        // Training normalises with the biased variance.
        let y = layer(x)
        #expect(abs(y[0, 0] - (1 - 3.5) / (21 / 4 + 1e-5).squareRoot()) < 1e-5)
        #expect(layer.batchesTracked!.item == 2)
    }

    @Test func evaluationUsesTheRunningStatistics() {
        let layer = BatchNorm1d(2)
        layer.runningMean!.assign(Tensor([1, -2]))
        layer.runningVariance!.assign(Tensor([4, 0.25]))
        layer.weight!.assign(Tensor([2, 3]))
        layer.bias!.assign(Tensor([0.5, -0.5]))
        layer.eval()
        let y = layer(Tensor([3, -1, 5, 0], shape: [2, 2]))
        let expected: [Float] = [
            2 * (3 - 1) / (4 + 1e-5).squareRoot() + 0.5, 3 * (-1 + 2) / (0.25 + 1e-5).squareRoot() - 0.5,
            2 * (5 - 1) / (4 + 1e-5).squareRoot() + 0.5, 3 * (0 + 2) / (0.25 + 1e-5).squareRoot() - 0.5,
        ]
        #expect(allClose(y.scalars, expected, rtol: 1e-5, atol: 1e-5))
        #expect(layer.runningMean!.scalars == [1, -2])
        #expect(layer.batchesTracked!.item == 0)
    }

    @Test func cumulativeAverageWithoutMomentum() {
        let layer = BatchNorm1d(1, momentum: nil)
        _ = layer(Tensor([1, 3], shape: [2, 1]))
        _ = layer(Tensor([5, 9], shape: [2, 1]))
        // The running mean is the plain average of the batch means 2 and 7.
        #expect(allClose(layer.runningMean!.scalars, [4.5]))
        #expect(allClose(layer.runningVariance!.scalars, [(2 + 8) / 2]))
    }

    @Test func stateDictNamesFollowPyTorch() {
        let names = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
        #expect(BatchNorm1d(4).stateDict().map(\.name) == names)
        #expect(BatchNorm2d(4).stateDict().map { "\($0.name) \($0.tensor.shape)" }
                == ["weight [4]", "bias [4]", "running_mean [4]", "running_var [4]", "num_batches_tracked []"])
        var g = RandomGenerator(seed: 0)
        let model = Sequential(Conv2d(1, 4, kernelSize: 3, using: &g), BatchNorm2d(4), ReLU())
        #expect(model.stateDict().map(\.name) == ["0.weight", "0.bias"] + names.map { "1." + $0 })
        #expect(model.namedParameters().map(\.name) == ["0.weight", "0.bias", "1.weight", "1.bias"])
        #expect(BatchNorm2d(4, affine: false, trackRunningStatistics: false).stateDict().isEmpty)
    }

    @Test func withoutRunningStatisticsEvaluationStillUsesTheBatch() {
        let layer = BatchNorm1d(1, affine: false, trackRunningStatistics: false)
        layer.eval()
        let y = layer(Tensor([1, 3], shape: [2, 1]))
        #expect(allClose(y.scalars, [-1 / (1 + 1e-5).squareRoot(), 1 / (1 + 1e-5).squareRoot()]))
    }
}
