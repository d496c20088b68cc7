import DDPTestModels
import DDPTestSupport
import Foundation
import SwiftDDP
import Testing

/// The residual CNN (`--model resnet`) against PyTorch: ten SGD steps on a fixed batch of 16
/// Fashion-MNIST images from the same initial weights, recorded by
/// Tests/Reference/pytorch_resnet_replay.py, replayed through `Trainer` in one process and
/// under `mpirun -np 2` (8 images per rank).
///
/// Each step's loss, total and per-parameter gradient norms, gradient slices and BatchNorm
/// running statistics, and the weights and buffers after the last step, must agree with
/// PyTorch's to a relative 1e-4 (atol 1e-6 for values near zero). On two ranks that holds
/// only with SyncBatchNorm: PyTorch normalised the whole batch at once.
@Suite(.serialized) struct ResNetReplayTests {
    static let rtol = 1e-4, atol = 1e-6

    @Test func stateDictNamesAndShapesAreTorchvisions() throws {
        let trace = try ResNetReplay.loadTrace()
        var generator = RandomGenerator(seed: 0)
        let net = ResNet(inChannels: 1, blockWidths: trace.widths, classes: trace.classes, using: &generator)
        let ours = net.stateDict().map { ResNetReplay.StateDictEntry(name: $0.name, shape: $0.tensor.shape) }
        #expect(ours == trace.stateDict)
        #expect(net.namedParameters().map(\.name) == trace.parameters)
        #expect(trace.stateDict.count == 68)
    }

    @Test func oneProcessMatchesPyTorch() throws {
        let result = try ResNetReplay.run(communicator: LocalCommunicator(), syncBatchNorm: false)
        let tolerance = try compare(result, with: ResNetReplay.loadTrace())
        #expect(tolerance.passed, "\(tolerance.summary)")
        print("ResNet replay, 1 process: \(tolerance.summary)")
    }

    @Test func twoRanksWithSyncBatchNormMatchPyTorch() throws {
        let result = try runUnderMPI(ranks: 2, syncBatchNorm: true)
        let tolerance = try compare(result, with: ResNetReplay.loadTrace())
        #expect(tolerance.passed, "\(tolerance.summary)")
        print("ResNet replay, mpirun -np 2 --sync-batchnorm: \(tolerance.summary)")
    }

    /// Without SyncBatchNorm each rank normalises its own 8 images: not PyTorch's numbers,
    /// which shows that the comparison above can tell the difference.
    @Test func twoRanksWithoutSyncBatchNormDoNot() throws {
        let result = try runUnderMPI(ranks: 2, syncBatchNorm: false)
        let tolerance = try compare(result, with: ResNetReplay.loadTrace())
        #expect(!tolerance.passed, "\(tolerance.summary)")
    }

    private func runUnderMPI(ranks: Int, syncBatchNorm: Bool) throws -> ResNetReplay.Result {
        let job = try MPIJob.run(MPIJob.binary("ddp-worker"), ["resnet-replay"] + (syncBatchNorm ? ["--sync-batchnorm"] : []),
                                 ranks: ranks)
        try #require(job.exitCode == 0 && !job.timedOut, "\(job)")
        let line = try #require(job.standardOutput.split(separator: "\n").first { $0.hasPrefix("{") }, "\(job)")
        return try JSONDecoder().decode(ResNetReplay.Result.self, from: Data(line.utf8))
    }

    private func compare(_ result: ResNetReplay.Result, with trace: ResNetReplay.Trace) throws -> Tolerance {
        var tolerance = Tolerance(rtol: Self.rtol, atol: Self.atol)
        tolerance.check(Double(result.steps.count), Double(trace.steps.count), "steps")
        for (index, (ours, theirs)) in zip(result.steps, trace.steps).enumerated() {
            tolerance.check(ours.loss, theirs.loss, "step \(index) loss")
            tolerance.check(ours.gradientNorm, theirs.gradientNorm, "step \(index) gradient norm")
            tolerance.check(ours.parameterGradientNorms, theirs.parameterGradientNorms, "step \(index) parameter gradient norms")
            for (name, values) in theirs.gradientSlices {
                tolerance.check(ours.gradientSlices[name] ?? [], values, "step \(index) gradient of \(name)")
            }
            for (name, values) in theirs.runningStatistics {
                tolerance.check(ours.runningStatistics[name] ?? [], values, "step \(index) \(name)")
            }
        }
        for (name, values) in trace.finalWeightSlices {
            tolerance.check(result.finalWeightSlices[name] ?? [], values, "final \(name)")
        }
        for (name, values) in trace.finalBuffers {
            tolerance.check(result.finalBuffers[name] ?? [], values, "final \(name)")
        }
        return tolerance
    }
}
