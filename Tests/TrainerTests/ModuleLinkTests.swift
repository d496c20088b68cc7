import OptimizationExamples
import SwiftDDP
import Testing

/// A module that, in its first training step, asks a second trainer to fit it as well.
private final class Refitting: Module, TrainingModule {
    let net = exampleMLP([6, 3], seed: 23)
    var nestedError: String?
    override var namedChildren: [(String, Module)] { [("net", net)] }

    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        if batchIndex == 0 {
            let other = try Trainer(maxEpochs: 1, communicator: LocalCommunicator(), enableProgressBar: false)
            do { try other.fit(self, train: DataLoader(ExampleData.classification(), batchSize: 16)) } catch {
                nestedError = "\(error)"
            }
        }
        return crossEntropy(net(batch.inputs), targets: batch.labels)
    }

    func configureOptimizers() throws -> OptimizerConfiguration {
        OptimizerConfiguration(try SGD(parameters(), lr: 0.1))
    }
}

@Suite struct ModuleLinkTests {
    @Test func aModuleRunsUnderOneTrainerAtATimeAndIsUnlinkedAfterwards() throws {
        let module = Refitting()
        #expect(module.runner == nil)
        let trainer = try Trainer(maxEpochs: 1, limitTrainBatches: 2, communicator: LocalCommunicator(),
                                  enableProgressBar: false)
        try trainer.fit(module, train: DataLoader(ExampleData.classification(), batchSize: 16))
        #expect(module.nestedError?.contains("already being fitted by another trainer") == true,
                "\(module.nestedError ?? "no error")")
        #expect(module.runner == nil)
        #expect(trainer.globalStep == 2)
    }
}
