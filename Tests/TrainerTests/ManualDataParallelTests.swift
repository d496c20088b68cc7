import DDPTestModels
import DDPTestSupport
import SwiftDDP
import Testing

/// What a manual training step reads and steps between `manualBackward` and the step, on
/// several ranks: averaged gradients, or an error; never replicas
/// that drift apart in silence.
@Suite struct ManualDataParallelTests {
    struct Run {
        var error: String?
        var gradientsRead: [[Float]]
        var parameters: [Float]
    }

    /// Fits `use` for one epoch of 4 global batches of 4 samples, on this rank of `communicator`.
    static func fit(_ use: ManualGradientModel.Use, communicator: any Communicator) throws -> Run {
        let model = ManualGradientModel(use)
        let trainer = try Trainer(maxEpochs: 1, communicator: communicator, enableProgressBar: false)
        let loader = try DataLoader(ManualGradientModel.data(), batchSize: 4 / communicator.worldSize, shuffle: false)
        var error: String?
        do { try trainer.fit(model, train: loader) } catch let caught { error = "\(caught)" }
        return Run(error: error, gradientsRead: model.gradientsRead, parameters: model.parameters().flatMap(\.scalars))
    }

    static func onTwoRanks(_ use: ManualGradientModel.Use) throws -> [Run] {
        try ThreadGroupCommunicator.run(worldSize: 2) { try fit(use, communicator: $0) }.map { try $0.get() }
    }

    @Test func aRawStepOnEachRanksOwnGradientsEndsTheFitOnEveryRank() throws {
        for (rank, run) in try Self.onTwoRanks(.rawStep).enumerated() {
            let error = try #require(run.error, "rank \(rank) trained on with replicas that differ")
            #expect(error.contains("parameters differ across ranks after batch 0 of epoch 0"), "rank \(rank): \(error)")
            #expect(error.contains("synchronizeGradients()"), "rank \(rank): \(error)")
        }
    }

    @Test func aRawStepInABatchWithoutBackwardIsCaughtToo() throws {
        for (rank, run) in try Self.onTwoRanks(.rawStepInTheNextBatch).enumerated() {
            let error = try #require(run.error, "rank \(rank) trained on with replicas that differ")
            #expect(error.contains("parameters differ across ranks after batch 1 of epoch 0"), "rank \(rank): \(error)")
        }
    }

    @Test func aRawStepAloneIsFine() throws {
        #expect(try Self.fit(.rawStep, communicator: LocalCommunicator()).error == nil)
    }

    @Test(arguments: [ManualGradientModel.Use.synchronizedRawStep, .clipThenStep])
    func gradientsReadBetweenBackwardAndStepAreTheAverage(use: ManualGradientModel.Use) throws {
        let alone = try Self.fit(use, communicator: LocalCommunicator())
        #expect(alone.error == nil)
        #expect(alone.gradientsRead.count == 4)
        for (rank, run) in try Self.onTwoRanks(use).enumerated() {
            #expect(run.error == nil, "rank \(rank): \(run.error ?? "")")
            #expect(run.gradientsRead.count == alone.gradientsRead.count, "rank \(rank)")
            // The mean of two ranks' means against one process's mean: float32 sums in another order.
            for (batch, (read, expected)) in zip(run.gradientsRead, alone.gradientsRead).enumerated() {
                #expect(allClose(read, expected, rtol: 1e-5, atol: 1e-6), "rank \(rank), batch \(batch): \(read) vs \(expected)")
            }
            #expect(allClose(run.parameters, alone.parameters, rtol: 1e-5, atol: 1e-6), "rank \(rank)")
        }
    }
}
