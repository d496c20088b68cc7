import SwiftDDP

/// A small classifier (6 → `hidden` → 3, with dropout when `dropout` > 0) with Adam, a
/// per-step StepLR and epoch means of its loss: every piece of state an exact resume has to
/// bring back.
///
/// With dropout, its masks come from the trainer's per-rank random stream, which a
/// checkpoint saves and a resume restores.
public final class CheckpointedModel: Module, TrainingModule {
    public let net: Sequential
    public override var namedChildren: [(String, Module)] { [("net", net)] }

    public init(hidden: Int = 8, dropout: Float = 0) {
        var generator = RandomGenerator(seed: 3)
        var layers: [any Layer] = [Linear(6, hidden, using: &generator), ReLU()]
        if dropout > 0 { layers.append(Dropout(dropout)) }
        layers.append(Linear(hidden, 3, using: &generator))
        net = Sequential(layers)
    }

    public func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let loss = crossEntropy(net(batch.inputs), targets: batch.labels)
        log("train_loss", loss, onStep: true, onEpoch: true, syncDist: true)
        return loss
    }

    public func validationStep(_ batch: Batch, batchIndex: Int) throws {
        log("val_loss", crossEntropy(net(batch.inputs), targets: batch.labels))
    }

    public func configureOptimizers() throws -> OptimizerConfiguration {
        let adam = try Adam(parameters(), lr: 0.02)
        return OptimizerConfiguration(adam, scheduler: SchedulerConfiguration(try StepLR(adam, stepSize: 5, gamma: 0.5), interval: .step))
    }
}
