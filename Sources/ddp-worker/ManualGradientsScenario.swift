import ArgumentParser
import DDPTestModels
import Foundation
import SwiftDDP

/// Fits ``ManualGradientModel`` (a manual training step that uses its gradients between
/// `manualBackward` and the step) data-parallel; rank 0 prints the final parameters as JSON.
struct ManualGradients: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manual-gradients",
        abstract: "A manual training step that reads, clips or raw-steps its gradients; JSON parameters on rank 0.")

    @Option(help: "What the step does: \(ManualGradientModel.Use.allCases.map(\.rawValue).joined(separator: ", ")).")
    var use: String

    func validate() throws {
        guard ManualGradientModel.Use(rawValue: use) != nil else { throw ValidationError("no use named '\(use)'") }
    }

    func run() {
        let communicator = makeCommunicator()
        RankFailure.installSignalHandlers(rank: communicator.rank)
        RankFailure.run(communicator: communicator) {
            let model = ManualGradientModel(ManualGradientModel.Use(rawValue: use)!)
            let trainer = try Trainer(maxEpochs: 1, communicator: communicator, enableProgressBar: false)
            let loader = try DataLoader(ManualGradientModel.data(), batchSize: 4 / communicator.worldSize, shuffle: false)
            try trainer.fit(model, train: loader)
            let parameters = model.parameters().flatMap(\.scalars).map(Double.init)
            let line = try JSONSerialization.data(withJSONObject: ["parameters": parameters, "ranks": communicator.worldSize])
            if communicator.isRoot { print(String(decoding: line, as: UTF8.self)) }
        }
        MPICommunicator.finalize()
    }
}
