import Testing
import DDPTestSupport

/// The barrier and small all-reduces that ranks on one machine make in shared memory
/// (`MPISharedCollectives`), against values every rank computes, and against the same
/// scenario through MPI (`SWIFT_DDP_SHARED_MEMORY=0`).
@Suite(.serialized) struct SharedCollectivesTests {
    let worker = MPIJob.binary("ddp-worker")

    @Test(arguments: [2, 3], [true, false])
    func smallAllReducesGiveEveryRankTheSameRightValues(ranks: Int, sharedMemory: Bool) throws {
        let job = try MPIJob.run(worker, ["small-collectives", "--rounds", "200"], ranks: ranks,
                                 environment: ["SWIFT_DDP_SHARED_MEMORY": sharedMemory ? "1" : "0"])
        try #require(job.exitCode == 0 && !job.timedOut, "\(job)")
        let result = try #require(job.jsonLines.first, "\(job)")
        #expect(result["ranks"] as? Int == ranks)
        #expect(result["rounds"] as? Int == 200)
        #expect(result["mismatches"] as? Int == 0, "\(job)")
        #expect(result["consistent"] as? Bool == true, "\(job)")
    }
}
