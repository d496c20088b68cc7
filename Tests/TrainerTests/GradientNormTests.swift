import DDPTestSupport
import Foundation
import SwiftDDP
import Testing

/// What one training step of ``Regression`` saw: its parameters and its batch.
private struct SeenStep {
    var weight: [Float]
    var bias: Float
    var inputs: [Float]
    var targets: [Float]

    /// The 2-norm of the gradient of the mean squared error, worked out by hand:
    /// ∂/∂w = 2/N Σ rᵢ xᵢ and ∂/∂b = 2/N Σ rᵢ, with rᵢ = w·xᵢ + b - yᵢ.
    var gradientNorm: Double {
        let features = weight.count
        let count = targets.count
        var weightGradient = [Double](repeating: 0, count: features)
        var biasGradient = 0.0
        for sample in 0..<count {
            let x = (0..<features).map { Double(inputs[sample * features + $0]) }
            let residual = zip(weight, x).reduce(Double(bias)) { $0 + Double($1.0) * $1.1 } - Double(targets[sample])
            for feature in 0..<features { weightGradient[feature] += 2 * residual * x[feature] / Double(count) }
            biasGradient += 2 * residual / Double(count)
        }
        return (weightGradient.reduce(0) { $0 + $1 * $1 } + biasGradient * biasGradient).squareRoot()
    }
}

/// A linear regression that keeps what each training step saw, and what Lightning's
/// `grad_norm` gives before each optimizer step.
private final class Regression: Module, TrainingModule {
    let layer: Linear
    var seen: [SeenStep] = []
    var lightningNorms: [[String: Double]] = []
    override var namedChildren: [(String, Module)] { [("layer", layer)] }

    override init() {
        var generator = RandomGenerator(seed: 11)
        layer = Linear(3, 1, using: &generator)
    }

    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        guard let targets = batch.targets else { throw TrainerError("the regression needs targets") }
        seen.append(SeenStep(weight: layer.weight.scalars, bias: layer.bias?.scalars.first ?? 0,
                             inputs: batch.inputs.scalars, targets: targets.scalars))
        let difference = layer(batch.inputs) - targets
        return (difference * difference).mean()
    }

    func onBeforeOptimizerStep(_ optimizer: ManagedOptimizer, optimizerIndex: Int) throws {
        lightningNorms.append(gradNorm(self))
    }

    func configureOptimizers() throws -> OptimizerConfiguration {
        OptimizerConfiguration(try SGD(parameters(), lr: 0.1))
    }
}

/// 24 samples of 3 features and a target, the same on every rank.
private func regressionData() -> TensorDataset {
    var generator = RandomGenerator(seed: 12)
    return TensorDataset(inputs: Tensor.randn([24, 3], using: &generator), targets: Tensor.randn([24, 1], using: &generator))
}

/// Fits ``Regression`` for one epoch of global batches of 8 (each of the ranks reading 8 / ranks)
/// with the gradient-norm monitor and a clipping value far below the norms; returns the
/// module and the logged norms.
private func fitWithMonitor(communicator: any Communicator) throws -> (module: Regression, logged: [Double]) {
    let module = Regression()
    let trainer = try Trainer(
        maxEpochs: 1, gradientClipVal: 0.01, logEveryNSteps: 1, communicator: communicator,
        callbacks: [GradientNormMonitor()], enableProgressBar: false, keepLoggedEvents: true)
    try trainer.fit(module, train: DataLoader(regressionData(), batchSize: 8 / communicator.worldSize, shuffle: false))
    let logged = trainer.loggedEvents.flatMap { $0.values.filter { $0.name == "grad_2.0_norm_total" }.map(\.value) }
    return (module, logged)
}

/// `GradientNormMonitor` (`--log-grad-norm`) logs the total gradient norm before clipping
/// at every step, under Lightning's name, the same on every rank.
@Suite struct GradientNormTests {
    @Test func logsTheGradientNormBeforeClippingAtEveryStep() throws {
        let (module, logged) = try fitWithMonitor(communicator: LocalCommunicator())
        #expect(logged.count == 3 && module.seen.count == 3, "\(logged.count) logged norms over \(module.seen.count) steps")
        for (step, (value, seen)) in zip(logged, module.seen).enumerated() {
            let expected = seen.gradientNorm
            // Clipping to 0.01 would have left at most 0.01: the value was taken before it.
            #expect(expected > 0.1)
            #expect(isClose(value, to: expected, relative: 1e-5), "step \(step): logged \(value), by hand \(expected)")
        }
    }

    @Test func gradNormNamesEveryParameterAsLightning() throws {
        let (module, logged) = try fitWithMonitor(communicator: LocalCommunicator())
        #expect(module.lightningNorms.count == logged.count)
        for (norms, value) in zip(module.lightningNorms, logged) {
            #expect(Set(norms.keys) == ["grad_2.0_norm/layer.weight", "grad_2.0_norm/layer.bias", "grad_2.0_norm_total"])
            #expect(isClose(norms["grad_2.0_norm_total"], to: value, relative: 1e-9))
        }
        #expect(try GradientNormMonitor(normType: .infinity).metricName == "grad_inf_norm_total")
        #expect(throws: TrainerError.self) { try GradientNormMonitor(normType: 0) }
    }

    /// The gradients are averaged over the ranks before the norm: two ranks reading half of
    /// each global batch log what one rank logs, on both ranks.
    @Test func twoRanksLogWhatOneRankLogs() throws {
        let (_, single) = try fitWithMonitor(communicator: LocalCommunicator())
        let ranks = ThreadGroupCommunicator.run(worldSize: 2) { communicator in
            try fitWithMonitor(communicator: communicator).logged
        }
        for (rank, result) in ranks.enumerated() {
            let logged = try result.get()
            #expect(logged.count == single.count, "rank \(rank): \(logged.count) values, 1 rank \(single.count)")
            for (value, expected) in zip(logged, single) {
                #expect(isClose(value, to: expected, relative: 1e-5), "rank \(rank): \(value), 1 rank \(expected)")
            }
        }
    }
}
