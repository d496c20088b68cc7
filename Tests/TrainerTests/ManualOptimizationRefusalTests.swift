import Foundation
import OptimizationExamples
import SwiftDDP
import Testing

/// What Lightning does with the trainer's clipping and accumulation options in manual
/// optimization, recorded by Tests/Reference/lightning_manual_optimization_refusals.py.
private struct LightningRefusals: Decodable {
    struct Outcome: Decodable { let refused: Bool }
    let lightning: String
    let cases: [String: Outcome]

    static func load() throws -> LightningRefusals {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Reference/manual_optimization_refusals.json")
        return try JSONDecoder().decode(LightningRefusals.self, from: Data(contentsOf: url))
    }
}

/// The Trainer options of each recorded case.
private let recordedCases: [(name: String, gradientClipVal: Double?, accumulateGradBatches: Int)] = [
    ("gradient_clip_val=0.5", 0.5, 1), ("gradient_clip_val=0", 0, 1),
    ("accumulate_grad_batches=2", nil, 2), ("accumulate_grad_batches=1", nil, 1),
]

/// Fits the guide's minimal manual loop; returns the error, if any, and the steps taken.
private func fitManually(gradientClipVal: Double?, accumulateGradBatches: Int,
                         communicator: any Communicator) throws -> (error: String?, steps: Int) {
    let trainer = try Trainer(maxEpochs: 1, accumulateGradBatches: accumulateGradBatches,
                              gradientClipVal: gradientClipVal, communicator: communicator, enableProgressBar: false)
    do {
        try trainer.fit(MinimalManualModel(), train: DataLoader(ExampleData.classification(count: 32), batchSize: 8))
    } catch {
        return ("\(error)", trainer.globalStep)
    }
    return (nil, trainer.globalStep)
}

@Suite struct ManualOptimizationRefusalTests {
    @Test(arguments: recordedCases.map(\.name))
    func refusesWhatLightningRefusesBeforeTraining(name: String) throws {
        let recorded = try #require(try LightningRefusals.load().cases[name], "no recorded case \(name)")
        let options = try #require(recordedCases.first { $0.name == name })
        let single = try fitManually(gradientClipVal: options.gradientClipVal,
                                     accumulateGradBatches: options.accumulateGradBatches,
                                     communicator: LocalCommunicator())
        #expect((single.error != nil) == recorded.refused, "\(name): \(single.error ?? "accepted")")
        if recorded.refused {
            #expect(single.error?.contains("not supported for manual optimization") == true)
            #expect(single.steps == 0)
        }
        // On two ranks every rank refuses alike, before any collective.
        let ranks = ThreadGroupCommunicator.run(worldSize: 2) { communicator in
            try fitManually(gradientClipVal: options.gradientClipVal,
                            accumulateGradBatches: options.accumulateGradBatches, communicator: communicator)
        }
        for rank in ranks {
            #expect((try rank.get().error != nil) == recorded.refused)
        }
    }
}
