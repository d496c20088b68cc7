import DDPTestSupport
import Foundation
import Testing

/// Gradient sync through the transport under `mpirun` (`SWIFT_DDP_SHARED_MEMORY=0`, as across
/// machines), with each bucket's `MPI_Iallreduce` started during the step's last backward,
/// against the same training with the reductions started after backward and with one blocking
/// `MPI_Allreduce` per bucket: the weights must be bitwise the same.
@Suite(.serialized) struct OverlapJobTests {
    let worker = MPIJob.binary("ddp-worker")

    /// The final line of `ddp-worker train`.
    struct Final {
        let parameters: [Double]
        let fingerprint: String
        let buckets: Int
        let startedInBackward: Int
    }

    static func final(of job: JobResult) throws -> Final {
        try #require(job.exitCode == 0 && !job.timedOut, "\(job)")
        let final = try #require(job.jsonLines.first { $0["final"] as? Bool == true }, "\(job)")
        #expect(final["shared_memory"] as? Bool == false && final["overlaps"] as? Bool == true, "\(final)")
        return Final(parameters: try #require(final["parameters"] as? [Double]),
                     fingerprint: try #require(final["fingerprint"] as? String),
                     buckets: try #require(final["buckets"] as? Int),
                     startedInBackward: try #require(final["buckets_started_in_backward"] as? Int))
    }

    /// 8 steps, 2 micro-batches each, 2 buckets (the unused parameter's bucket is ready before
    /// backward begins); `--audit 1` compares the replicas bit for bit after every step.
    @Test func overlappedSyncGivesBitwiseTheWeightsOfTheBlockingOne() throws {
        func run(_ mode: String) throws -> Final {
            try Self.final(of: MPIJob.run(worker, ["train", "--sync", mode, "--accumulate", "2", "--audit", "1"], ranks: 2,
                                          environment: ["SWIFT_DDP_SHARED_MEMORY": "0"]))
        }
        let overlapped = try run("overlapped"), after = try run("after-backward"), blocking = try run("allreduce")
        // Every bucket of every step started inside the step's last backward, none in the others.
        #expect(overlapped.buckets >= 2 && overlapped.startedInBackward == overlapped.buckets * 8, "\(overlapped)")
        #expect(after.startedInBackward == 0 && blocking.startedInBackward == 0)
        #expect(overlapped.parameters == blocking.parameters, "overlapped and MPI_Allreduce weights differ")
        #expect(overlapped.fingerprint == blocking.fingerprint && after.fingerprint == blocking.fingerprint)
        #expect(after.parameters == blocking.parameters)
    }
}
