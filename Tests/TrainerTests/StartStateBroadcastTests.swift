import Testing
import DDPTestSupport
import OptimizationExamples
import SwiftDDP

/// What every rank takes from rank 0 at the start of `fit`.
@Suite struct StartStateBroadcastTests {
    /// Rank 1 builds its model from another seed and its Adam with another learning rate and a
    /// state of its own (as a restore on one rank could leave it); after the broadcast, the
    /// ranks train in lockstep and end bitwise equal, with rank 0's learning rate.
    @Test func everyRankTakesRankZerosParametersAndOptimizerState() throws {
        let results = ThreadGroupCommunicator.run(worldSize: 2) { comm -> ([Float], Double, [Float]) in
            let module = ClassifierModel(seed: comm.rank == 0 ? 8 : 9) { model in
                let adam = try Adam(model.parameters(), lr: comm.rank == 0 ? 0.01 : 0.5)
                // A state from earlier steps: rank 0's is the one that must survive.
                for parameter in model.parameters() { parameter.grad = Tensor.full(parameter.shape, Float(comm.rank + 1)) }
                try adam.step()
                return OptimizerConfiguration(adam)
            }
            let trainer = try Trainer(maxEpochs: 1, communicator: comm, enableProgressBar: false)
            try trainer.fit(module, train: try DataLoader(ExampleData.classification(count: 32), batchSize: 8))
            let adam = trainer.optimizers[0].optimizer
            let state = adam.stateDict().namedTensors.sorted { $0.key < $1.key }.flatMap { entry -> [Float] in
                if case .tensor(let tensor) = entry.value { return tensor.scalars }
                return []
            }
            return (module.parameters().flatMap(\.scalars), adam.paramGroups[0].lr, state)
        }.map { try! $0.get() }
        #expect(results[0].0 == results[1].0)
        #expect(results[0].1 == 0.01 && results[1].1 == 0.01)
        #expect(!results[0].2.isEmpty && results[0].2 == results[1].2)
    }
}
