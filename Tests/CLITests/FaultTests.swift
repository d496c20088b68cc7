import DDPTestSupport
import Foundation
import SwiftDDP
import Testing

/// Divergence and stuck ranks: the job ends with one line naming what happened, never
/// silently and never hanging.
@Suite struct FaultTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("faults-\(UUID().uuidString)").path

    /// Every weight of every checkpoint in `directory` is finite (no file at all is fine).
    func expectFiniteCheckpoints(in directory: String) throws {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for file in files where file.hasSuffix(".safetensors") {
            let checkpoint = try Checkpoint.read(from: directory + "/" + file)
            #expect(checkpoint.modelState.allSatisfy { $0.tensor.scalars.allSatisfy(\.isFinite) }, "\(file)")
        }
    }

    @Test func divergenceStopsWithOneLineAndNoCheckpointAfterIt() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try CLIRun.run(["--data", "digits", "--lr", "1e6", "--max-epochs", "3", "--log-dir", folder], ranks: 2, timeout: 60)
        #expect(!result.timedOut && result.exitCode != 0, "\(result)")
        let lines = CLIRun.errorLines(result)
        #expect(lines.count == 1, "\(result)")
        #expect(lines.first?.hasPrefix("swift-ddp: error: the loss is nan at step 2 (epoch 0, batch 2) of optimizer 0 (SGD)") == true,
                "\(result)")
        #expect(lines.first?.hasSuffix("with --nan-policy skip") == true, "\(result)")
        try expectFiniteCheckpoints(in: folder + "/checkpoints")
    }

    @Test func continuingIntoNaNWeightsRefusesToCheckpointThem() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try CLIRun.run(["--debug", "--data", "digits", "--lr", "1e6", "--max-epochs", "2", "--nan-policy", "continue",
                                     "--log-dir", folder])
        #expect(!result.timedOut && result.exitCode != 0, "\(result)")
        let lines = CLIRun.errorLines(result)
        #expect(lines.count == 1 && lines[0].hasPrefix("swift-ddp: error: refusing to save a checkpoint at step"), "\(result)")
        try expectFiniteCheckpoints(in: folder + "/checkpoints")
    }

    @Test func skipOnTwoRanksSkipsAlikeAndEndsWithFiniteWeights() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try CLIRun.run(["--data", "digits", "--lr", "1e6", "--max-epochs", "2", "--nan-policy", "skip", "--check-consistency", "1",
                                     "--log-dir", folder], ranks: 2, timeout: 60)
        #expect(!result.timedOut && result.exitCode == 0, "\(result)")
        let skipped = try CLIRun.metric("skipped_steps", in: folder)
        #expect(skipped.count == 2 && skipped.last!.value > 0, "\(skipped)")
        let last = try Checkpoint.read(from: folder + "/checkpoints/last.safetensors")
        // Every batch up to the checkpoint (at an epoch's end) either stepped or was skipped, on both ranks alike.
        let skippedThen = Int(skipped[last.progress.epoch - 1].value)
        #expect(last.progress.globalStep + skippedThen == last.progress.batchesSeen, "\(last.progress) \(skipped)")
        try expectFiniteCheckpoints(in: folder + "/checkpoints")
    }

    /// SIGKILL of one rank: Open MPI ends the others, and the lowest survivor says which rank
    /// died (one line; mpirun adds its own report, which -q turns off).
    @Test(arguments: [(2, 1), (3, 0)])
    func aKilledRankIsNamedByASurvivor(ranks: Int, killedRank: Int) throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let job = BackgroundJob {
            try CLIRun.run(["--data", "digits", "--max-epochs", "100000", "--log-dir", folder], ranks: ranks, timeout: 120)
        }
        var killed: pid_t?
        let start = Date()
        while killed == nil && !job.isFinished && Date().timeIntervalSince(start) < 90 {
            if let rank = RankProcess.find(argument: folder, rank: killedRank), rank.heartbeatStep ?? 0 >= 1 {
                kill(rank.pid, SIGKILL)
                killed = rank.pid
            } else {
                usleep(50_000)
            }
        }
        let result = try job.wait()
        let pid = try #require(killed, "rank \(killedRank) never started training: \(result)")
        #expect(!result.timedOut && result.exitCode != 0, "\(result)")
        let lines = CLIRun.errorLines(result)
        let survivor = killedRank == 0 ? 1 : 0
        #expect(lines == ["swift-ddp: rank \(survivor): rank \(killedRank) (pid \(pid)) died without a message (killed, or out of memory?); every rank ends"],
                "\(result)")
    }

    /// SIGSTOP of one rank (the last of 2, a middle one of 4, rank 0 of 2).
    @Test(arguments: [(2, 1), (4, 2), (2, 0)])
    func aStoppedRankEndsTheJobNamingIt(ranks: Int, stoppedRank: Int) throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let timeout = 3.0
        let job = BackgroundJob {
            try CLIRun.run(["--data", "digits", "--max-epochs", "100000", "--collective-timeout", String(timeout), "--log-dir", folder],
                           ranks: ranks, timeout: 120)
        }
        // The rank, once its heartbeat shows it training (however long starting takes).
        var stopped: pid_t?
        let start = Date()
        while stopped == nil && !job.isFinished && Date().timeIntervalSince(start) < 90 {
            if let rank = RankProcess.find(argument: folder, rank: stoppedRank), rank.heartbeatStep ?? 0 >= 1 {
                kill(rank.pid, SIGSTOP)
                stopped = rank.pid
            } else {
                usleep(50_000)
            }
        }
        let stoppedAt = Date()
        defer { if let stopped { kill(stopped, SIGCONT); kill(stopped, SIGKILL) } }
        let result = try job.wait()
        try #require(stopped != nil, "rank \(stoppedRank) never started training: \(result)")
        #expect(!result.timedOut && result.exitCode != 0, "\(result)")
        // A hang guard, not a speed test: the timeout plus a generous margin.
        #expect(Date().timeIntervalSince(stoppedAt) < timeout + 30, "\(result)")
        let lines = CLIRun.errorLines(result)
        #expect(lines.count == 1, "\(result)")
        // Any idle time: a loaded machine may report a second more.
        let reporter = stoppedRank == 0 ? 1 : 0
        #expect(lines.first?.hasPrefix("swift-ddp: rank \(reporter): no progress for ") == true, "\(result)")
        #expect(lines.first?.contains("waiting for rank \(stoppedRank) (silent for ") == true, "\(result)")
    }
}

/// A job run on another thread. `@unchecked Sendable`: the result is only touched under `lock`.
private final class BackgroundJob: @unchecked Sendable {
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<JobResult, Error>?

    init(_ body: @escaping @Sendable () throws -> JobResult) {
        Thread {
            let outcome = Result { try body() }
            self.lock.withLock { self.result = outcome }
            self.done.signal()
        }.start()
    }

    var isFinished: Bool { lock.withLock { result != nil } }

    func wait() throws -> JobResult {
        done.wait()
        return try lock.withLock { result! }.get()
    }
}

/// A rank of a running job, found through Linux's `/proc`.
private struct RankProcess {
    let pid: pid_t
    let environment: [String: String]

    /// The process of rank `rank` whose command line holds `argument`.
    static func find(argument: String, rank: Int) -> RankProcess? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = pid_t(entry),
                  let command = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                  let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ") else { continue }
            let arguments = command.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard arguments.first?.hasSuffix("swift-ddp") == true, arguments.contains(argument) else { continue }
            let pairs = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }.compactMap { pair -> (String, String)? in
                guard let equals = pair.firstIndex(of: "=") else { return nil }
                return (String(pair[..<equals]), String(pair[pair.index(after: equals)...]))
            }
            let environment = Dictionary(pairs, uniquingKeysWith: { first, _ in first })
            if environment["OMPI_COMM_WORLD_RANK"] == String(rank) { return RankProcess(pid: pid, environment: environment) }
        }
        return nil
    }

    /// The step in this rank's heartbeat file, once it has one.
    var heartbeatStep: Int? {
        guard let job = environment["PMIX_NAMESPACE"] ?? environment["OMPI_MCA_ess_base_jobid"],
              let rank = environment["OMPI_COMM_WORLD_RANK"] else { return nil }
        let path = RankHeartbeats.defaultRoot + "/swift-ddp-heartbeats-\(job)/rank-\(rank)"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return text.split(separator: " ").first.flatMap { Int($0) }
    }
}
