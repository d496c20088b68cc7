import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One small file per rank in a folder the ranks of a job share on their machine
/// (`/dev/shm/swift-ddp-heartbeats-<job>/rank-<r>`), holding the rank's step and the time its
/// watchdog thread last ran.
///
/// The watchdog thread writes it, so it stays fresh while the rank waits in a collective and
/// goes stale when the rank is stopped (SIGSTOP) or gone. A rank that waits too long can so
/// name the ranks that did not arrive without asking them, which MPI could not do.
///
/// `@unchecked Sendable`: its state is immutable after `init`; the file is written with
/// `pwrite` at offset 0, which needs no shared position.
public final class RankHeartbeats: @unchecked Sendable {
    /// What a rank last wrote.
    public struct Beat: Equatable, Sendable {
        /// The step the rank had reached.
        public var step: Int
        /// Seconds since the rank's watchdog last wrote.
        public var age: Double
        /// The rank's host, when it is another than this rank's (heard through ``PeerLinks``).
        public var host: String?

        public init(step: Int, age: Double, host: String? = nil) {
            self.step = step
            self.age = age
            self.host = host
        }
    }

    public let directory: String
    public let rank: Int
    public let worldSize: Int
    private let file: Int32

    /// Opens this rank's file in the folder of job `job` under `root`; `nil` when the folder
    /// cannot be made (the watchdog then ends a hung job without naming ranks).
    public init?(job: String, rank: Int, worldSize: Int, root: String = RankHeartbeats.defaultRoot) {
        let safeJob = String(job.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
        directory = (root as NSString).appendingPathComponent("swift-ddp-heartbeats-\(safeJob)")
        self.rank = rank
        self.worldSize = worldSize
        Self.removeAbandonedFolders(in: root)
        if mkdir(directory, 0o700) != 0 && errno != EEXIST { return nil }
        file = open(Self.path(directory, rank), O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if file < 0 { return nil }
    }

    deinit { close(file) }

    /// Shared memory where there is some (no disk writes), else the temporary folder.
    public static var defaultRoot: String {
        FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    }

    /// The job's name from the launcher (Open MPI's PMIx namespace, Slurm's job and step),
    /// the same on every rank of a job and different between jobs; `nil` when unknown.
    public static var launcherJobKey: String? {
        let environment = ProcessInfo.processInfo.environment
        if let key = environment["PMIX_NAMESPACE"] ?? environment["OMPI_MCA_ess_base_jobid"] { return key }
        if let job = environment["SLURM_JOB_ID"] { return job + "." + (environment["SLURM_STEP_ID"] ?? "0") }
        return nil
    }

    /// Records that this rank is alive at `step`.
    public func beat(step: Int) {
        PeerLinks.current?.note(step: step)
        // A fixed-width record rewritten in place: a reader never sees a shorter, older tail.
        let record = "\(step) \(Date().timeIntervalSince1970)".padding(toLength: 47, withPad: " ", startingAt: 0) + "\n"
        _ = record.utf8CString.withUnsafeBytes { pwrite(file, $0.baseAddress, 48, 0) }
    }

    /// Every rank's last beat, by rank: from its file on this machine, or through its
    /// ``PeerLinks`` on another host (`nil`: neither).
    public func beats() -> [Beat?] {
        let now = Date().timeIntervalSince1970
        return (0..<worldSize).map { other in
            guard let text = try? String(contentsOfFile: Self.path(directory, other), encoding: .utf8) else {
                return PeerLinks.current?.beat(of: other)
            }
            let fields = text.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let step = Int(fields[0]),
                  let time = Double(fields[1].trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
            return Beat(step: step, age: max(0, now - time))
        }
    }

    /// Removes this rank's file, and the folder once it is empty (the last rank to finish does).
    public func remove() {
        unlink(Self.path(directory, rank))
        rmdir(directory)
    }

    /// Removes every rank's file and the folder, when the job ends without its ranks finishing.
    public func removeJobFolder() {
        for other in 0..<worldSize { unlink(Self.path(directory, other)) }
        rmdir(directory)
    }

    /// Removes the folders of jobs that ended without cleaning up (a rank killed, or aborted by
    /// another rank's error): no beat for ten minutes, where a live job beats several times a second.
    static func removeAbandonedFolders(in root: String, olderThan age: Double = 600) {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: root) else { return }
        let now = Date()
        for name in names where name.hasPrefix("swift-ddp-heartbeats-") {
            let folder = (root as NSString).appendingPathComponent(name)
            let files = ((try? manager.contentsOfDirectory(atPath: folder)) ?? []).map { (folder as NSString).appendingPathComponent($0) }
            let newest = (files + [folder]).compactMap {
                (try? manager.attributesOfItem(atPath: $0))?[.modificationDate] as? Date
            }.max() ?? now
            guard now.timeIntervalSince(newest) > age else { continue }
            for file in files { unlink(file) }
            if rmdir(folder) != 0 { unlink(folder) }   // a job's marker file (PeerDeathReport)
        }
    }

    private static func path(_ directory: String, _ rank: Int) -> String {
        (directory as NSString).appendingPathComponent("rank-\(rank)")
    }
}
