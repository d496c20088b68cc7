import DDPTestSupport
import OptimizationExamples
import SwiftDDP
import Testing

/// `Trainer.predict(_:data:)`, Lightning's `trainer.predict`: one row per sample, in the data
/// set's order, whatever the ranks, the shuffling and the padding a sampler would add.
@Suite struct TrainerPredictTests {
    /// Predicts each sample's input, its double, and whether it ran in eval mode without gradients.
    final class EchoProbe: Module, TrainingModule {
        let layer: Linear
        /// A sample whose prediction throws, to show that the other ranks do not wait.
        let failingSample: Float?
        override var namedChildren: [(String, Module)] { [("layer", layer)] }

        init(failingSample: Float? = nil) {
            var generator = RandomGenerator(seed: 1)
            layer = Linear(1, 1, using: &generator)
            self.failingSample = failingSample
        }

        func configureOptimizers() throws -> OptimizerConfiguration { OptimizerConfiguration(try SGD(parameters(), lr: 0.1)) }

        func predictStep(_ batch: Batch, batchIndex: Int) throws -> Tensor {
            let inputs = batch.inputs.scalars
            if let failingSample, inputs.contains(failingSample) { throw TrainerError("sample \(failingSample) is unreadable") }
            let mode: Float = !isTraining && !GradMode.isEnabled ? 1 : 0
            return Tensor(inputs.flatMap { [$0, 2 * $0, mode] }, shape: [batch.count, 3])
        }
    }

    /// The samples 0, 1, ..., 9, shuffled and cut to whole batches of 3 as for training.
    static func samples() throws -> DataLoader {
        try DataLoader(TensorDataset(inputs: Tensor((0..<10).map(Float.init), shape: [10, 1]), labels: Array(repeating: 0, count: 10)),
                       batchSize: 3, shuffle: true, seed: 7, dropLast: true)
    }

    @Test(arguments: [1, 2, 3, 4, 12])
    func everySampleOnceInDataSetOrder(worldSize: Int) throws {
        // 10 samples in batches of 3, 3, 3 and 1: 3 ranks hold 2, 1 and 1 batches (a padding
        // sampler would repeat samples to even them out); 12 ranks leave eight with none.
        let results = ThreadGroupCommunicator.run(worldSize: worldSize) { comm -> [[Float]] in
            try Trainer(communicator: comm, enableProgressBar: false).predict(EchoProbe(), data: try Self.samples())
        }
        let expected = (0..<10).map { Float($0) }.map { [$0, 2 * $0, 1] }
        for result in results {
            #expect(try result.get() == expected)
        }
    }

    @Test func anErrorOnOneRankEndsEveryRank() throws {
        // Sample 5 is in batch 1, rank 1's of 2: rank 0 finishes its samples and learns of the failure.
        let results = ThreadGroupCommunicator.run(worldSize: 2) { comm -> [[Float]] in
            try Trainer(communicator: comm, enableProgressBar: false).predict(EchoProbe(failingSample: 5), data: try Self.samples())
        }
        #expect { try results[0].get() } throws: { "\($0)".contains("rank 1 failed in predictStep") }
        #expect { try results[1].get() } throws: { "\($0)".contains("sample 5.0 is unreadable") }
    }

    @Test func aModuleWithoutAPredictStepIsRefused() throws {
        let trainer = try Trainer(communicator: LocalCommunicator(), enableProgressBar: false)
        #expect {
            try trainer.predict(ClassifierModel(), data: try Self.samples())
        } throws: { "\($0)".contains("ClassifierModel has no predict step: implement predictStep(_:batchIndex:)") }
    }
}
