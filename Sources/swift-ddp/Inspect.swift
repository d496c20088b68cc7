import ArgumentParser
import Foundation
import SwiftDDP

/// `swift-ddp inspect CKPT`: what a checkpoint holds, in words.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a checkpoint holds: progress, run shape, tensors, optimizer, scheduler and callback states.")

    @Argument(help: "A checkpoint file (.safetensors) written by swift-ddp.") var checkpoint: String

    func run() throws {
        let saved = try Checkpoint.read(from: checkpoint)
        print(Self.describe(saved, path: checkpoint).joined(separator: "\n"))
    }

    static func describe(_ checkpoint: Checkpoint, path: String) -> [String] {
        let progress = checkpoint.progress, run = checkpoint.run
        var lines = [
            "checkpoint \(path) (\(Checkpoint.formatName) version \(Checkpoint.formatVersion))",
            "progress: epoch \(progress.epoch), batch \(progress.batchIndex) of \(progress.batchesInEpoch), "
                + "global step \(progress.globalStep), \(progress.batchesSeen) batches and \(progress.samplesSeen) samples seen",
            "run: \(run.worldSize) rank(s), global batch \(run.globalBatchSize), seed \(run.seed.map(String.init) ?? "none"), "
                + "data order \(run.dataOrderSeed.map { "seed \($0)" } ?? "unshuffled"), \(run.trainingSetSize) training samples, "
                + "accumulate \(run.accumulateGradBatches)",
        ]
        let parameterCount = checkpoint.modelState.reduce(0) { $0 + $1.tensor.count }
        lines.append("model: \(checkpoint.modelState.count) tensors, \(parameterCount) values")
        for (name, tensor) in checkpoint.modelState { lines.append("  \(name) \(tensor.shape)") }
        for (index, state) in checkpoint.optimizerStates.enumerated() {
            let groups = state.paramGroups.map { group in
                "[\(group.params.count) params: " + group.options.keys.sorted().map { "\($0)=\(show(group.options[$0]!))" }
                    .joined(separator: " ") + "]"
            }.joined(separator: " ")
            let keys = Set(state.state.values.flatMap(\.values.keys)).sorted()
            lines.append("optimizer \(index): \(state.optimizerType) \(groups), state for \(state.state.count) parameter(s)"
                         + (keys.isEmpty ? "" : ": \(keys.joined(separator: ", "))"))
        }
        for (index, state) in checkpoint.schedulerStates.enumerated() {
            let values = state.values.keys.sorted().map { "\($0)=\(show(state.values[$0]!))" }.joined(separator: " ")
            lines.append("scheduler \(index): \(state.schedulerType) \(values)")
        }
        for key in checkpoint.callbackStates.keys.sorted() {
            let state = checkpoint.callbackStates[key]!
            lines.append("callback \(key): " + state.keys.sorted().map { "\($0)=\(state[$0]!)" }.joined(separator: " "))
        }
        lines.append("random streams: \(checkpoint.rankRandomStates.count) rank(s)")
        if !checkpoint.callbackMetrics.isEmpty {
            lines.append("metrics: " + checkpoint.callbackMetrics.keys.sorted().map { "\($0)=\(checkpoint.callbackMetrics[$0]!)" }
                .joined(separator: " "))
        }
        if !checkpoint.runConfiguration.isEmpty {
            lines.append("run configuration: " + checkpoint.runConfiguration.keys.sorted().map {
                "\($0)=\(checkpoint.runConfiguration[$0]!)" + (checkpoint.exactConfigurationKeys.contains($0) ? " (exact)" : "")
            }.joined(separator: ", "))
        }
        return lines
    }

    private static func show(_ value: HyperParameter) -> String {
        if let number = value.doubleValue { return "\(number)" }
        if let flag = value.boolValue { return "\(flag)" }
        if let numbers = value.doublesValue { return "\(numbers)" }
        if let text = value.stringValue { return text }
        return "none"
    }
}
