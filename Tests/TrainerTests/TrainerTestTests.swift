import DDPTestSupport
import OptimizationExamples
import SwiftDDP
import Testing

/// `Trainer.test(_:data:)`, Lightning's `trainer.test`: every sample once, whatever the ranks.
@Suite struct TrainerTestTests {
    /// Logs the mean of its batch's inputs, and whether it ran in eval mode without gradients.
    final class MeanProbe: Module, TrainingModule {
        let layer: Linear
        override var namedChildren: [(String, Module)] { [("layer", layer)] }

        override init() {
            var generator = RandomGenerator(seed: 1)
            layer = Linear(1, 1, using: &generator)
        }

        func configureOptimizers() throws -> OptimizerConfiguration { OptimizerConfiguration(try SGD(parameters(), lr: 0.1)) }

        func testStep(_ batch: Batch, batchIndex: Int) throws {
            log("test_mean", Double(batch.inputs.scalars.reduce(0, +)) / Double(batch.count))
            log("test_eval_without_grad", !isTraining && !GradMode.isEnabled ? 1 : 0)
        }
    }

    /// The samples 0, 1, ..., 9.
    static func samples() throws -> DataLoader {
        try DataLoader(TensorDataset(inputs: Tensor((0..<10).map(Float.init), shape: [10, 1]), labels: Array(repeating: 0, count: 10)),
                       batchSize: 3, shuffle: false)
    }

    @Test(arguments: [1, 2, 3])
    func theMeanIsOverEverySampleOnceWhenShardsAndBatchesAreUnequal(worldSize: Int) throws {
        // 10 samples over 3 ranks: 4, 3 and 3, in batches of 3 and 1, 3, 3: the batch means
        // weighted by batch size give the mean of the 10 samples, 4.5, whatever the split.
        let results = ThreadGroupCommunicator.run(worldSize: worldSize) { comm -> [String: Double] in
            let probe = MeanProbe()
            return try Trainer(communicator: comm, enableProgressBar: false).test(probe, data: try Self.samples())
        }.map { try! $0.get() }
        for metrics in results {
            #expect(metrics.keys.sorted() == ["test_eval_without_grad", "test_mean"])
            #expect(isClose(metrics["test_mean"], to: 4.5), "\(metrics)")
            #expect(metrics["test_eval_without_grad"] == 1)
        }
    }

    @Test func aModuleWithoutATestStepIsRefused() throws {
        let trainer = try Trainer(communicator: LocalCommunicator(), enableProgressBar: false)
        #expect {
            try trainer.test(ClassifierModel(), data: try Self.samples())
        } throws: { "\($0)".contains("ClassifierModel has no test step: implement testStep(_:batchIndex:)") }
    }
}
