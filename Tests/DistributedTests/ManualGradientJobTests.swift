import Foundation
import Testing
import DDPTestSupport

/// Manual optimization under `mpirun`: a step on gradients that were
/// not averaged over the ranks ends the job with a message; averaged ones train as one process.
@Suite(.serialized) struct ManualGradientJobTests {
    let worker = MPIJob.binary("ddp-worker")

    private func parameters(_ job: JobResult) throws -> [Float] {
        let line = try #require(job.jsonLines.first, "\(job)")
        return try #require(line["parameters"] as? [Double], "\(job)").map(Float.init)
    }

    @Test func aRawStepOnUnaveragedGradientsEndsTheJobWithAMessage() throws {
        let job = try MPIJob.run(worker, ["manual-gradients", "--use", "raw-step"], ranks: 2)
        #expect(!job.timedOut && job.exitCode != 0, "\(job)")
        #expect(job.standardError.contains(
            "swift-ddp: parameters differ across ranks after batch 0 of epoch 0: rank 1 holds different values than rank 0"),
            "\(job)")
        #expect(job.standardError.contains("synchronizeGradients()"), "\(job)")
        #expect(job.jsonLines.isEmpty, "\(job)")
    }

    @Test(arguments: ["synchronized-raw-step", "clip-then-step"])
    func averagedGradientsTrainAsOneProcess(use: String) throws {
        let alone = try MPIJob.run(worker, ["manual-gradients", "--use", use], ranks: 1)
        let two = try MPIJob.run(worker, ["manual-gradients", "--use", use], ranks: 2)
        #expect(alone.exitCode == 0 && two.exitCode == 0, "\(alone)\n\(two)")
        #expect(allClose(try parameters(two), try parameters(alone), rtol: 1e-5, atol: 1e-6), "\(two)")
    }
}
