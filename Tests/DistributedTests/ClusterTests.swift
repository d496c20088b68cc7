import DDPTestSupport
import Foundation
import Testing

/// The path across machines, on a cluster simulated by `launch/cluster`: each host a network
/// namespace with its own name, ranks talking TCP through veth links and a bridge (Open MPI
/// with `btl tcp,self`: no shared memory between any two ranks). Needs root.
@Suite(.serialized, .enabled(if: MPIJob.canSimulateCluster, "simulating hosts needs root and iproute2"))
struct ClusterTests {
    let worker = MPIJob.binary("ddp-worker")

    /// What `ddp-worker train` printed on rank 0, and what the cluster script reported.
    struct Run {
        let losses: [Double]
        let parameters: [Double]
        let sharedMemory: Bool
        /// ``GradientSyncPath``'s case name: "allReduce", "hierarchical", ...
        let syncPath: String
        /// Standard error of the job: rank 0's "gradient sync: ..." line, the cluster's report.
        let standardError: String
        /// The transport rank R used for peer P, from Open MPI's own report: `[R: [P: "tcp"]]`.
        let transports: [Int: [Int: String]]
        /// Bytes each host's link carried out and in.
        let linkBytes: [(out: Int, in: Int)]
    }

    private func train(hosts: Int?, ranksPerHost: Int = 1, _ arguments: [String] = []) throws -> Run {
        let job = if let hosts {
            try MPIJob.runOnCluster(worker, ["train"] + arguments, hosts: hosts, ranksPerHost: ranksPerHost)
        } else {
            try MPIJob.run(worker, ["train", "--debug"] + arguments, ranks: nil)
        }
        try #require(job.exitCode == 0 && !job.timedOut, "\(job)")
        let lines = job.jsonLines
        let final = try #require(lines.first { $0["final"] as? Bool == true }, "\(job)")
        #expect(final["ranks"] as? Int == (hosts ?? 1) * ranksPerHost)
        return Run(losses: lines.compactMap { $0["loss"] as? Double },
                   parameters: try #require(final["parameters"] as? [Double]),
                   sharedMemory: try #require(final["shared_memory"] as? Bool),
                   syncPath: try #require(final["sync_path"] as? String),
                   standardError: job.standardError,
                   transports: Self.transports(job.standardError),
                   linkBytes: Self.linkBytes(job.standardError))
    }

    /// "cluster: rank 0 (host 1) reached rank 0 (host 1): self, 1 (host 1): tcp, 2 (host 2): tcp"
    static func transports(_ text: String) -> [Int: [Int: String]] {
        var found: [Int: [Int: String]] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("cluster: rank ") {
            let words = line.split(separator: " ")
            guard let rank = Int(words[2]), let reached = line.range(of: "reached rank ") else { continue }
            for peer in line[reached.upperBound...].split(separator: ",") {
                let fields = peer.split(separator: " ")
                if let other = Int(fields.first ?? ""), let transport = fields.last { found[rank, default: [:]][other] = String(transport) }
            }
        }
        return found
    }

    /// "cluster: host 1 (...) link carried 5155647 bytes out, 4472076 bytes in"
    static func linkBytes(_ text: String) -> [(out: Int, in: Int)] {
        text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("cluster: host "), let carried = line.range(of: "link carried ") else { return nil }
            let numbers = line[carried.upperBound...].split(separator: " ").compactMap { Int($0) }
            return numbers.count == 2 ? (numbers[0], numbers[1]) : nil
        }
    }

    private func expectClose(_ run: Run, _ reference: Run, _ label: String) {
        #expect(run.losses.count == reference.losses.count, "\(label)")
        #expect(maxRelativeDifference(run.losses, reference.losses) <= 1e-5, "\(label) losses \(run.losses) vs \(reference.losses)")
        #expect(run.parameters.count == reference.parameters.count, "\(label)")
        #expect(allClose(run.parameters.map(Float.init), reference.parameters.map(Float.init), rtol: 1e-5, atol: 1e-6),
                "\(label) parameters differ beyond 1e-5")
    }

    /// Equivalence with one process, replicas bitwise equal (`--audit 1` compares every rank's
    /// parameter hash after every step), and proof that the gradients crossed the links by TCP.
    /// With one rank per host every bucket is one `MPI_Allreduce`; with two, the hierarchical
    /// path ran: buckets in each host's shared-memory window, the leaders' all-reduce between.
    @Test(arguments: [1, 2])
    func trainingAcrossTwoHostsMatchesOneProcess(ranksPerHost: Int) throws {
        let reference = try train(hosts: nil)
        let run = try train(hosts: 2, ranksPerHost: ranksPerHost, ["--audit", "1"])
        expectClose(run, reference, "2 hosts x \(ranksPerHost) rank(s)")
        if ranksPerHost == 1 {
            #expect(!run.sharedMemory && run.syncPath == "allReduce", "\(run.syncPath)")
            #expect(run.standardError.contains("gradient sync: MPI_Iallreduce, 2 hosts x 1 rank,"), "\(run.standardError)")
        } else {
            #expect(run.sharedMemory && run.syncPath == "hierarchical", "\(run.syncPath)")
            #expect(run.standardError.contains("gradient sync: hierarchical, 2 hosts x 2 ranks, shared memory inside each host"),
                    "\(run.standardError)")
        }

        let ranks = 2 * ranksPerHost
        for rank in 0..<ranks {
            let peers = try #require(run.transports[rank], "rank \(rank) reported no transport")
            for (peer, transport) in peers where peer != rank {
                #expect(transport == "tcp", "rank \(rank) reached rank \(peer) by \(transport)")
            }
            // Every rank talked to some rank on the other host.
            #expect(peers.keys.contains { $0 / ranksPerHost != rank / ranksPerHost }, "rank \(rank): \(peers)")
        }
        // Each step's gradients (4 bytes a parameter) left each host at least once over its link.
        #expect(run.linkBytes.count == 2)
        let gradientBytes = run.parameters.count * 4 * run.losses.count
        for (host, bytes) in run.linkBytes.enumerated() {
            #expect(bytes.out >= gradientBytes / 2 && bytes.in >= gradientBytes / 2, "host \(host + 1): \(bytes), gradients \(gradientBytes)")
        }
    }

    /// Across two hosts, the buckets' `MPI_Iallreduce` started during backward gives bitwise the
    /// weights of one blocking `MPI_Allreduce` per bucket.
    @Test func overlappedSyncAcrossTwoHostsMatchesTheBlockingOneBitwise() throws {
        func run(_ mode: String) throws -> OverlapJobTests.Final {
            try OverlapJobTests.final(of: MPIJob.runOnCluster(worker, ["train", "--sync", mode, "--audit", "1"], hosts: 2))
        }
        let overlapped = try run("overlapped"), blocking = try run("allreduce")
        #expect(overlapped.startedInBackward == overlapped.buckets * 8 && blocking.startedInBackward == 0, "\(overlapped)")
        #expect(overlapped.parameters == blocking.parameters && overlapped.fingerprint == blocking.fingerprint)
    }

    /// The hierarchical path with `SWIFT_DDP_SHARED_MEMORY=0` turned off: the same 2 hosts x 2
    /// ranks average by one flat `MPI_Allreduce` per bucket and still match one process.
    @Test func turningSharedMemoryOffAcrossHostsFallsBackToOneAllReduce() throws {
        let reference = try train(hosts: nil)
        let job = try MPIJob.runOnCluster(worker, ["train", "--audit", "1"], hosts: 2, ranksPerHost: 2,
                                          environment: ["SWIFT_DDP_SHARED_MEMORY": "0"])
        try #require(job.exitCode == 0 && !job.timedOut, "\(job)")
        let final = try #require(job.jsonLines.first { $0["final"] as? Bool == true }, "\(job)")
        #expect(final["sync_path"] as? String == "allReduce")
        let parameters = try #require(final["parameters"] as? [Double])
        #expect(allClose(parameters.map(Float.init), reference.parameters.map(Float.init), rtol: 1e-5, atol: 1e-6))
    }

    /// On hosts of 2 ranks and 1 rank, the lone rank keeps its buckets in its own memory and
    /// joins the leaders' all-reduce directly: still one process's numbers, replicas bitwise equal.
    @Test func aHostOfOneRankJoinsTheHierarchicalSyncAsItsOwnLeader() throws {
        let reference = try train(hosts: nil, ["--batch", "18"])
        let job = try MPIJob.runOnCluster(worker, ["train", "--audit", "1", "--batch", "18"], ranksOnHosts: [2, 1])
        try #require(job.exitCode == 0 && !job.timedOut, "\(job)")
        let final = try #require(job.jsonLines.first { $0["final"] as? Bool == true }, "\(job)")
        #expect(final["ranks"] as? Int == 3)
        #expect(final["sync_path"] as? String == "hierarchical")
        #expect(job.standardError.contains("gradient sync: hierarchical, 2 hosts (2 + 1 ranks), "), "\(job.standardError)")
        let parameters = try #require(final["parameters"] as? [Double])
        #expect(allClose(parameters.map(Float.init), reference.parameters.map(Float.init), rtol: 1e-5, atol: 1e-6))
        let losses = job.jsonLines.compactMap { $0["loss"] as? Double }
        #expect(losses.count == reference.losses.count && maxRelativeDifference(losses, reference.losses) <= 1e-5)
    }

    /// `swift-ddp fit` says at the start, on rank 0, which path averages the gradients.
    @Test(arguments: [(1, "gradient sync: MPI_Iallreduce, 2 hosts x 1 rank, one MPI_Iallreduce per bucket over all ranks"),
                      (2, "gradient sync: hierarchical, 2 hosts x 2 ranks, shared memory inside each host, "
                          + "MPI_Allreduce among the 2 hosts' leaders")])
    func fitNamesTheSyncPathAtTheStart(ranksPerHost: Int, line: String) throws {
        let logs = try makeTemporaryFolder()
        let job = try MPIJob.runOnCluster(MPIJob.binary("swift-ddp"),
                                          ["fit", "--data", "digits", "--max-epochs", "1", "--log-dir", logs],
                                          hosts: 2, ranksPerHost: ranksPerHost)
        try #require(job.exitCode == 0 && !job.timedOut, "\(job)")
        let lines = job.standardError.split(separator: "\n").filter { $0.hasPrefix("gradient sync: ") }
        #expect(lines == [Substring(line)], "\(job.standardError)")
    }

    /// A checkpoint written by 2 hosts x 2 ranks resumes on 4 hosts x 1 rank and ends with the
    /// parameters of the uninterrupted run, bit for bit (same ranks, same data; only the
    /// placement changed). The uninterrupted run syncs hierarchically, the resumed one by a
    /// flat all-reduce: both add the four ranks' gradients as (r0 + r1) + (r2 + r3), the order
    /// of Open MPI's recursive doubling on 4 ranks for buffers this small.
    @Test func aResumeOnAnotherHostLayoutEndsBitwiseLikeTheUninterruptedOne() throws {
        let full = try makeTemporaryFolder(), resumed = try makeTemporaryFolder()
        let uninterrupted = try MPIJob.runOnCluster(worker, ["resume", "--dir", full], hosts: 2, ranksPerHost: 2)
        try #require(uninterrupted.exitCode == 0 && !uninterrupted.timedOut, "\(uninterrupted)")
        let continued = try MPIJob.runOnCluster(
            worker, ["resume", "--dir", resumed, "--resume", full + "/checkpoints/epoch=1-step=8.safetensors"], hosts: 4)
        try #require(continued.exitCode == 0 && !continued.timedOut, "\(continued)")
        let before = try #require(uninterrupted.jsonLines.last, "\(uninterrupted)")
        let after = try #require(continued.jsonLines.last, "\(continued)")
        #expect(after["global_step"] as? Int == 18)
        #expect((after["parameters"] as? [Int])?.isEmpty == false)
        #expect(after["parameters"] as? [Int] == before["parameters"] as? [Int])
        #expect(Self.linkBytes(continued.standardError).count == 4)
    }
}
