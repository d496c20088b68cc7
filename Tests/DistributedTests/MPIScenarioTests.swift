import Foundation
import Testing
import DDPTestSupport

/// The real MPI path: `ddp-worker` scenarios started under `mpirun`, compared with the
/// single-process (`--debug`) run of the same training.
@Suite(.serialized) struct MPIScenarioTests {
    let worker = MPIJob.binary("ddp-worker")

    /// Per-step losses, final parameters and fingerprint that rank 0 printed.
    struct Run {
        let losses: [Double]
        let parameters: [Double]
        let fingerprint: String
        /// Whether the gradient buckets lay in memory the ranks share.
        let sharedMemory: Bool
    }

    private func train(ranks: Int?, _ arguments: [String] = [], environment: [String: String] = [:]) throws -> Run {
        let job = try MPIJob.run(worker, ["train"] + arguments + (ranks == nil ? ["--debug"] : []), ranks: ranks,
                                 environment: environment)
        try #require(job.exitCode == 0 && !job.timedOut, "\(job)")
        let lines = job.jsonLines
        let losses = lines.compactMap { $0["loss"] as? Double }
        let final = try #require(lines.first { $0["final"] as? Bool == true }, "\(job)")
        #expect(final["ranks"] as? Int == (ranks ?? 1))
        return Run(losses: losses, parameters: try #require(final["parameters"] as? [Double]),
                   fingerprint: try #require(final["fingerprint"] as? String),
                   sharedMemory: try #require(final["shared_memory"] as? Bool))
    }

    private func expectClose(_ run: Run, _ reference: Run, _ label: String) {
        #expect(run.losses.count == reference.losses.count, "\(label)")
        #expect(maxRelativeDifference(run.losses, reference.losses) <= 1e-5, "\(label) losses \(run.losses) vs \(reference.losses)")
        #expect(run.parameters.count == reference.parameters.count, "\(label)")
        #expect(allClose(run.parameters.map(Float.init), reference.parameters.map(Float.init), rtol: 1e-5, atol: 1e-6),
                "\(label) parameters differ beyond 1e-5")
    }

    @Test func debugModeGivesTheSameNumbersAsOneMPIRank() throws {
        let debug = try train(ranks: nil)
        let one = try train(ranks: 1)
        // Exactly: one rank runs the same arithmetic as --debug (no sync, a mean over one value),
        // and both lines were printed and parsed the same way.
        #expect(debug.losses == one.losses)
        #expect(debug.parameters == one.parameters)
        #expect(debug.fingerprint == one.fingerprint)
        // Training did something: the loss fell.
        #expect(debug.losses.last! < debug.losses.first! * 0.8)
    }

    /// With gradient buckets in shared memory (the default on one machine) and averaged by
    /// `MPI_Allreduce` (as across machines).
    @Test(arguments: [2, 4], [true, false])
    func shardedTrainingMatchesOneProcess(ranks: Int, sharedMemory: Bool) throws {
        let reference = try train(ranks: nil)
        // --audit 1 compares every rank's parameter hash after every step: bitwise identity.
        let run = try train(ranks: ranks, ["--audit", "1"], environment: ["SWIFT_DDP_SHARED_MEMORY": sharedMemory ? "1" : "0"])
        #expect(run.sharedMemory == sharedMemory)
        expectClose(run, reference, "\(ranks) ranks, shared memory \(sharedMemory)")
    }

    @Test func gradientAccumulationMatchesOneProcess() throws {
        let arguments = ["--accumulate", "3", "--steps", "4"]
        let reference = try train(ranks: nil, arguments)
        let accumulated = try train(ranks: 2, arguments + ["--audit", "1"])
        expectClose(accumulated, reference, "accumulation over 2 ranks")
        // Accumulating three micro-batches is not the same as one: the option took effect.
        let plain = try train(ranks: nil, ["--steps", "4"])
        #expect(plain.losses != reference.losses)
    }

    @Test func aModelMismatchEndsTheJobWithAMessage() throws {
        // Ending at all (before the hang guard) is the point; how fast depends on the machine.
        let job = try MPIJob.run(worker, ["train", "--mismatch-rank", "1"], ranks: 2)
        #expect(!job.timedOut && job.exitCode != 0, "\(job)")
        #expect(job.standardError.contains(
            "swift-ddp: rank 1 built a different model than rank 0: 0.weight has shape [17, 4] on rank 1 but [16, 4] on rank 0"),
            "\(job)")
        #expect(!job.standardOutput.contains("\"step\""), "\(job)")
    }

    @Test func anErrorOnOneRankEndsEveryRank() throws {
        let job = try MPIJob.run(worker, ["train", "--fail-rank", "1", "--fail-step", "3"], ranks: 2)
        #expect(!job.timedOut && job.exitCode != 0, "\(job)")
        let lines = job.standardError.split(separator: "\n").filter { $0.hasPrefix("swift-ddp:") }
        #expect(lines == ["swift-ddp: rank 1: injected failure at step 3"], "\(job)")
        // Rank 0 finished steps 0-2 and was stopped while waiting for rank 1 at step 3. Its
        // last lines may be lost when the job ends under load (Open MPI ends the ranks before
        // it has forwarded everything they wrote), so they are a prefix of those steps.
        let steps = job.jsonLines.compactMap { $0["step"] as? Int }
        #expect(Array([0, 1, 2].prefix(steps.count)) == steps, "\(job)")
    }

    @Test func theAuditCatchesReplicasThatDrift() throws {
        let job = try MPIJob.run(worker, ["train", "--batch", "12", "--audit", "1", "--corrupt-rank", "2", "--corrupt-step", "4"],
                                 ranks: 3)
        #expect(!job.timedOut && job.exitCode != 0, "\(job)")
        #expect(job.standardError.contains(
            "swift-ddp: parameters differ across ranks at step 4: rank 2 holds different values than rank 0"), "\(job)")
        #expect(job.jsonLines.compactMap { $0["step"] as? Int } == [0, 1, 2, 3], "\(job)")
    }

    @Test func theSyncBenchmarkReportsARatio() throws {
        let job = try MPIJob.run(worker, ["bench-sync", "--parameters", "300000", "--repeats", "3"], ranks: 2)
        #expect(job.exitCode == 0, "\(job)")
        #expect(job.standardOutput.contains("gradient sync of 300000 parameters over 2 rank(s)"), "\(job)")
        #expect(job.standardOutput.contains("ratio"), "\(job)")
    }
}

extension MPIScenarioTests {
    @Test func aRankThatStopsEarlyCannotHangTheOthers() throws {
        // Rank 1 leaves the loop at step 2 and rank 0 waits in a collective it never joins:
        // rank 0's watchdog must end the job. 10 s: a step takes milliseconds, so even a
        // loaded machine does not stall that long before step 2 and fire the watchdog early.
        let job = try MPIJob.run(worker, ["train", "--stop-rank", "1", "--stop-step", "2", "--watchdog", "10"], ranks: 2)
        #expect(!job.timedOut && job.exitCode != 0, "\(job)")
        // The seconds it names are those it saw, which a busy machine can round up past 10.
        #expect(job.standardError.contains(#/swift-ddp: rank 0: no progress for \d+ s after 2 step\(s\)/#), "\(job)")
    }

    @Test func aHungJobIsKilledAtItsTimeout() throws {
        // Without the watchdog the same job hangs; the runner must still come back. The
        // 3 s timeout is what this test exercises; the bound below only says that the runner
        // returned after killing the job instead of waiting for it, however slow the machine.
        let job = try MPIJob.run(worker, ["train", "--stop-rank", "1", "--stop-step", "2"], ranks: 2, timeout: 3)
        #expect(job.timedOut, "\(job)")
        #expect(job.seconds < 120, "\(job)")
    }
}

extension MPIScenarioTests {
    @Test func aCrashOnOneRankNamesItAndEndsEveryRank() throws {
        let job = try MPIJob.run(worker, ["train", "--crash-rank", "1", "--crash-step", "2"], ranks: 2)
        #expect(!job.timedOut && job.exitCode != 0, "\(job)")
        #expect(job.standardError.contains("swift-ddp: rank 1: crashed with signal SIG"), "\(job)")
    }
}

extension MPIScenarioTests {
    @Test func anMPIErrorBecomesAMessageNamingTheRank() throws {
        let job = try MPIJob.run(worker, ["mpi-error"], ranks: 2)
        #expect(!job.timedOut && job.exitCode != 0, "\(job)")
        #expect(job.standardError.contains("MPI_Bcast failed: MPI_ERR_ROOT: invalid root"), "\(job)")
        #expect(job.standardError.contains("swift-ddp: rank "), "\(job)")
    }
}
