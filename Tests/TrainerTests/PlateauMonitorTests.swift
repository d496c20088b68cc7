import Foundation
import SwiftDDP
import Testing

/// Four metrics, one value per epoch, whose plateau decisions (patience 0) all differ:
/// a scheduler fed any metric but the one it monitors ends with other learning rates.
private let trajectories: [String: [Double]] = [
    "loss_a": [5, 4, 4.5, 3, 3.2, 3.3],   // reduced after epochs 2, 4 and 5
    "loss_b": [1, 2, 0.5, 0.6, 0.7, 0.1], // after 1, 3 and 4
    "val_c": [3, 2, 1, 0.5, 0.4, 0.3],    // never
    "val_d": [1, 1, 1, 1, 1, 1],          // after every epoch but the first
]
private let epochs = 6

/// Logs `loss_a` and `loss_b` in training and `val_c` and `val_d` in validation, each with
/// its epoch's value; on several ranks each rank logs the value shifted by its own offset,
/// the offsets averaging to zero, so only the rank-averaged metric gives the trajectory.
private final class TwoMetricModule: Module, TrainingModule {
    let layer: Linear
    let monitor: String
    override var namedChildren: [(String, Module)] { [("layer", layer)] }

    init(monitor: String) {
        var generator = RandomGenerator(seed: 8)
        layer = Linear(2, 1, using: &generator)
        self.monitor = monitor
    }

    private func value(_ name: String) -> Double {
        let offset = trainer.worldSize > 1 ? (trainer.rank == 0 ? 0.25 : -0.25) : 0
        return trajectories[name]![trainer.currentEpoch] + offset
    }

    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        for name in ["loss_a", "loss_b"] { log(name, value(name), onStep: false, onEpoch: true, syncDist: true) }
        let output = layer(batch.inputs)
        return (output * output).mean()
    }

    func validationStep(_ batch: Batch, batchIndex: Int) throws {
        for name in ["val_c", "val_d"] { log(name, value(name)) }
    }

    func configureOptimizers() throws -> OptimizerConfiguration {
        let sgd = try SGD(parameters(), lr: 0.1)
        return OptimizerConfiguration(
            sgd, scheduler: SchedulerConfiguration(try ReduceLROnPlateau(sgd, factor: 0.5, patience: 0), monitor: monitor))
    }
}

/// The lr at the start of every epoch.
private final class EpochStartRates: Callback {
    var rates: [Double] = []
    func onTrainEpochStart(_ trainer: Trainer, _ module: any TrainingModule) throws {
        rates.append(trainer.optimizers[0].paramGroups[0].lr)
    }
}

/// The lr after each epoch's scheduler step when the trainer monitors `name`.
private func ratesAfterEachEpoch(monitoring name: String, communicator: any Communicator) throws -> [Double] {
    var generator = RandomGenerator(seed: 9)
    let samples = 4 * communicator.worldSize
    let data = TensorDataset(inputs: Tensor.randn([samples, 2], using: &generator), targets: Tensor.randn([samples, 1], using: &generator))
    let rates = EpochStartRates()
    let trainer = try Trainer(maxEpochs: epochs, communicator: communicator, callbacks: [rates], enableProgressBar: false)
    try trainer.fit(TwoMetricModule(monitor: name), train: try DataLoader(data, batchSize: 2, shuffle: false),
                    validation: try DataLoader(data, batchSize: 2, shuffle: false))
    return Array(rates.rates.dropFirst()) + [trainer.optimizers[0].paramGroups[0].lr]
}

/// The same rates to 1e-12 relative (the same products of 0.1 and 0.5, however computed).
private func same(_ rates: [Double], _ expected: [Double]) -> Bool {
    rates.count == expected.count && zip(rates, expected).allSatisfy { abs($0 - $1) <= 1e-12 * $1 }
}

/// The same scheduler stepped by hand on `name`'s values.
private func expectedRates(_ name: String) throws -> [Double] {
    let sgd = try SGD([Tensor.zeros([1], requiresGrad: true)], lr: 0.1)
    let plateau = try ReduceLROnPlateau(sgd, factor: 0.5, patience: 0)
    return trajectories[name]!.map { value in
        plateau.step(metric: value)
        return sgd.paramGroups[0].lr
    }
}

/// `ReduceLROnPlateau` steps on the metric it monitors, not on another logged one: two
/// training and two validation metrics with different trajectories each give their own
/// learning rates, averaged over ranks.
@Suite struct PlateauMonitorTests {
    @Test func everyTrajectoryLeadsToOtherRates() throws {
        let all = try trajectories.keys.sorted().map(expectedRates)
        #expect(Set(all).count == trajectories.count, "\(all)")
    }

    @Test(arguments: ["loss_a", "loss_b", "val_c", "val_d"])
    func theMonitoredMetricAloneDrivesTheScheduler(name: String) throws {
        let expected = try expectedRates(name)
        let rates = try ratesAfterEachEpoch(monitoring: name, communicator: LocalCommunicator())
        #expect(same(rates, expected), "monitoring \(name): \(rates), expected \(expected)")
    }

    @Test(arguments: ["loss_a", "val_d"])
    func theRankAveragedMetricDrivesTheSchedulerOnTwoRanks(name: String) throws {
        let expected = try expectedRates(name)
        let ranks = ThreadGroupCommunicator.run(worldSize: 2) { communicator in
            try ratesAfterEachEpoch(monitoring: name, communicator: communicator)
        }
        for (rank, result) in ranks.enumerated() {
            let rates = try result.get()
            #expect(same(rates, expected), "monitoring \(name), rank \(rank) of 2: \(rates), expected \(expected)")
        }
    }
}
