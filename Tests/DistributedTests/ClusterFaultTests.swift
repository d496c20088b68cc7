import DDPTestSupport
import Foundation
import Testing

/// A host lost in the middle of a job, on the cluster `launch/cluster` simulates: every process
/// of the host killed, or the host's link taken down (`--fault`, injected once the first
/// checkpoint exists). The job must end on its own, one line must name the lost rank and its
/// host, and the last checkpoint must resume. Needs root.
@Suite(.serialized, .enabled(if: MPIJob.canSimulateCluster, "simulating hosts needs root and iproute2"))
struct ClusterFaultTests {
    let tool = MPIJob.binary("swift-ddp")

    /// Host 2 of 2 x 2 ranks killed (ranks 2 and 3), or the link of host 2 of 2 x 1 taken down.
    @Test(arguments: [("kill", 2), ("link-down", 1)])
    func aLostHostEndsTheJobNamingItsRanksAndHostAndTheLastCheckpointResumes(fault: String, ranksPerHost: Int) throws {
        let folder = try makeTemporaryFolder()
        let checkpoint = folder + "/checkpoints/last.safetensors"
        // Far more epochs than the fault leaves time for: the job can only end early by the fault.
        let training = ["fit", "--data", "digits", "--max-epochs", "400", "--no-model-summary", "--log-dir", folder]
        let job = try MPIJob.runOnCluster(
            tool, training + ["--checkpoint-every-n-steps", "5"], hosts: 2, ranksPerHost: ranksPerHost,
            launcherOptions: ["--fault", "\(fault):2", "--fault-after", checkpoint], timeout: 150)
        #expect(!job.timedOut, "\(job)")
        #expect(job.exitCode != 0, "\(job)")
        let lines = job.standardError.split(separator: "\n").map(String.init)
        let ended = lines.first { $0.hasPrefix("cluster: the job ended ") }
        print("\(fault): " + (lines.filter { $0.hasPrefix("cluster: fault") || $0.hasPrefix("swift-ddp: ") } + [ended ?? "-"]).joined(separator: " | "))

        // Exactly one line explains the end, and it names host 2's ranks and host 2 (named ...-h2).
        let explanations = lines.filter { $0.hasPrefix("swift-ddp: ") }
        #expect(explanations.count == 1, "\(explanations)")
        // A killed host is lost at once; a silent one is named after 10 s, the job ended by mpirun.
        let ranks = ranksPerHost == 1 ? "rank 1 on host " : "ranks 2, 3 on host "
        let named = fault == "kill" ? "lost " + ranks : "nothing heard from " + ranks
        let lost = try #require(explanations.first { $0.contains(named) }, "\(job)")
        #expect(lost.contains("-h2 "), "\(lost)")

        // The last checkpoint is whole and continues the run.
        let resumed = try MPIJob.run(tool, training.map { $0 == "400" ? "2" : $0 } + ["--resume", checkpoint], ranks: 2 * ranksPerHost)
        #expect(resumed.exitCode == 0 && !resumed.timedOut, "\(resumed)")
        #expect(resumed.standardOutput.contains("done in "), "\(resumed)")
    }
}

extension ClusterFaultTests {
    /// Ranks stopped on another host: the collective timeout names them, from the heartbeats
    /// the peer links carry (no heartbeat file of theirs is on this host).
    @Test func aCollectiveTimeoutNamesTheStoppedRankOnAnotherHost() throws {
        let folder = try makeTemporaryFolder()
        let checkpoint = folder + "/checkpoints/last.safetensors"
        let job = try MPIJob.runOnCluster(
            tool, ["fit", "--data", "digits", "--max-epochs", "400", "--no-model-summary", "--log-dir", folder,
                   "--checkpoint-every-n-steps", "5", "--collective-timeout", "3"], hosts: 2,
            launcherOptions: ["--fault", "stop:2", "--fault-after", checkpoint], timeout: 150)
        #expect(!job.timedOut && job.exitCode != 0, "\(job)")
        let explanations = job.standardError.split(separator: "\n").filter { $0.hasPrefix("swift-ddp: ") }
        print("stop: " + explanations.joined(separator: " | "))
        #expect(explanations.count == 1, "\(job)")
        #expect(explanations.first?.hasPrefix("swift-ddp: rank 0: no progress for ") == true, "\(job)")
        #expect(explanations.first?.contains("waiting for rank 1 on host ") == true, "\(job)")
        #expect(explanations.first?.contains("-h2 (silent for ") == true, "\(job)")
    }
}
