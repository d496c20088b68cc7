import Foundation
import Testing
import DDPTestSupport

/// `bench scaling` on tiny workloads under `mpirun -np 2`: it runs and prints its two figures
/// in their stated form (the figures themselves are the benchmark's, never timed here).
@Suite(.serialized) struct ScalingBenchmarkTests {
    let worker = MPIJob.binary("ddp-worker")

    @Test(arguments: ["gpt", "resnet"])
    func theScalingBenchmarkReportsASpeedUpAndEachRanksPeakMemory(workload: String) throws {
        let job = try MPIJob.run(worker, ["bench-scaling", "--workload", workload, "--tiny",
                                          "--steps", "2", "--warmup", "1", "--rounds", "2"], ranks: 2)
        #expect(job.exitCode == 0 && !job.timedOut, "\(job)")
        let number = #"\d+\.\d+"#
        let speedUp = try Regex("scale-\(workload): .*: 1 rank \\d+ samples/s, 2 ranks \\d+ samples/s aggregate: "
            + "\(number)x \\(spread \(number)-\(number)x over 2 alternating rounds")
        #expect(job.standardOutput.contains(speedUp), "\(job)")
        // Peaks of at least 1 MiB: the process's resident memory was really read on both ranks.
        let memory = try Regex("peak-rss-\(workload): rank 0 [1-9]\\d*\\.\\d, rank 1 [1-9]\\d*\\.\\d MiB at most resident .* "
            + "against \(number) MiB a step must hold .*activations \(number)\\): \(number)x")
        #expect(job.standardOutput.contains(memory), "\(job)")
    }
}
