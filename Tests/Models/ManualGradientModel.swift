import SwiftDDP

/// A manual-optimization linear regression whose training step uses its gradients between
/// `manualBackward` and the optimizer step in one of the ways a Lightning user might, and
/// records the gradients it read.
public final class ManualGradientModel: Module, TrainingModule {
    public enum Use: String, CaseIterable, Sendable {
        /// The raw optimizer stepped right after `manualBackward`, on this rank's own gradients.
        case rawStep = "raw-step"
        /// `manualBackward` on even batches, the raw optimizer stepped on odd ones (with no backward).
        case rawStepInTheNextBatch = "raw-step-in-the-next-batch"
        /// `synchronizeGradients()`, a read of the gradients, then the raw optimizer's step.
        case synchronizedRawStep = "synchronized-raw-step"
        /// `clipGradients` between `manualBackward` and the wrapped optimizer's step.
        case clipThenStep = "clip-then-step"
    }

    public let linear: Linear
    public let use: Use
    /// The gradients (weight, then bias) each batch read before its step.
    public private(set) var gradientsRead: [[Float]] = []
    public override var namedChildren: [(String, Module)] { [("linear", linear)] }
    public var automaticOptimization: Bool { false }

    public init(_ use: Use) {
        var generator = RandomGenerator(seed: 21)
        linear = Linear(4, 1, using: &generator)
        self.use = use
    }

    /// 16 samples of 4 features and a target.
    public static func data() -> TensorDataset {
        var generator = RandomGenerator(seed: 22)
        return TensorDataset(inputs: Tensor.randn([16, 4], using: &generator),
                             targets: Tensor.randn([16, 1], using: &generator))
    }

    public func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let optimizer: ManagedOptimizer = optimizers()
        if use == .rawStepInTheNextBatch {
            if batchIndex % 2 == 0 {
                optimizer.zeroGrad()
                try manualBackward(mseLoss(linear(batch.inputs), batch.targets!))
            } else {
                try optimizer.optimizer.step()
            }
            return nil
        }
        optimizer.zeroGrad()
        try manualBackward(mseLoss(linear(batch.inputs), batch.targets!))
        switch use {
        case .rawStep, .rawStepInTheNextBatch:
            try optimizer.optimizer.step()
        case .synchronizedRawStep:
            optimizer.synchronizeGradients()
            recordGradients()
            try optimizer.optimizer.step()
        case .clipThenStep:
            try clipGradients(optimizer, gradientClipVal: 0.05)
            recordGradients()
            try optimizer.step()
        }
        return nil
    }

    private func recordGradients() {
        gradientsRead.append([linear.weight, linear.bias!].flatMap { $0.grad?.scalars ?? [] })
    }

    public func configureOptimizers() throws -> OptimizerConfiguration {
        OptimizerConfiguration(try SGD(parameters(), lr: 0.1))
    }
}
