import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line naming a rank that died without a word (killed, out of memory), printed by the
/// lowest surviving rank when Open MPI ends the survivors.
///
/// Open MPI ends the other ranks with SIGTERM when one rank's process ends. The handler looks
/// for a rank on this machine whose process is gone; unless that rank, or any other, has
/// already reported why the job ends (``noteReported()``: an error line, a crash line, the
/// watchdog's line), it prints `swift-ddp: rank R: rank D (pid P) died without a message ...`.
/// Everything the handler needs is prepared beforehand: it calls only `kill`, `access`,
/// `open`, `write` and `raise`, which are safe in a signal handler.
public enum PeerDeathReport {
    /// Exchanges process ids (a collective) and installs the SIGTERM handler. Does nothing
    /// without a launcher job key (the marker file's name) or with a single rank.
    public static func install(communicator: any Communicator) {
        guard communicator.worldSize > 1, let job = RankHeartbeats.launcherJobKey else { return }
        let hostName = ProcessInfo.processInfo.hostName
        let mine = "\(getpid()) \(hostName)"
        let everyone = communicator.allGather(Array(mine.utf8)).map { String(decoding: $0, as: UTF8.self) }
        var peers: [(rank: Int, pid: pid_t)] = []
        for (rank, entry) in everyone.enumerated() where rank != communicator.rank {
            let fields = entry.split(separator: " ", maxSplits: 1)
            guard fields.count == 2, String(fields[1]) == hostName, let pid = pid_t(fields[0]) else { continue }
            peers.append((rank, pid))
        }
        let safeJob = String(job.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
        let marker = (RankHeartbeats.defaultRoot as NSString).appendingPathComponent("swift-ddp-heartbeats-\(safeJob).reported")
        // Prepared now: the handler may not allocate.
        state = State(
            rank: communicator.rank, peerRanks: peers.map(\.rank), peerPIDs: peers.map(\.pid),
            marker: strdup(marker),
            lines: peers.map { peer in
                Array("swift-ddp: rank \(communicator.rank): rank \(peer.rank) (pid \(peer.pid)) died without a message (killed, or out of memory?); every rank ends\n".utf8)
            })
        installOneShotHandler(SIGTERM, peerDeathHandler)
    }

    /// Records that this job's end has been explained by a line already, so that no rank adds
    /// another. Safe in a signal handler.
    public static func noteReported() {
        PeerLinks.announceExplainedEnd()
        guard let marker = state?.marker else { return }
        let file = open(marker, O_WRONLY | O_CREAT, 0o600)
        if file >= 0 { close(file) }
    }

    /// Whether a rank on this machine with a lower number than this one is still running.
    public static var isLowerRankAliveOnThisHost: Bool {
        guard let state else { return false }
        return zip(state.peerRanks, state.peerPIDs).contains { rank, pid in rank < state.rank && kill(pid, 0) == 0 }
    }

    /// Whether a rank has marked the job's end as explained (``noteReported()``).
    public static var isReported: Bool {
        guard let marker = state?.marker else { return false }
        return access(marker, F_OK) == 0
    }

    struct State {
        var rank: Int
        var peerRanks: [Int]
        var peerPIDs: [pid_t]
        var marker: UnsafeMutablePointer<CChar>?
        var lines: [[UInt8]]
    }

    // Safe: set once, before the handler is installed; only read afterwards.
    nonisolated(unsafe) static var state: State?
}

private func peerDeathHandler(_ signal: Int32) {
    // A rank on another host that went quiet or away, seen through the peer links.
    if !PeerDeathReport.isReported, !PeerDeathReport.isLowerRankAliveOnThisHost,
       PeerLinks.reportQuietPeersOnTermination() {
        PeerDeathReport.noteReported()
    }
    if let state = PeerDeathReport.state, let marker = state.marker, access(marker, F_OK) != 0 {
        // The dead peer this rank names, if it is the lowest living rank on this machine.
        var dead: Int?
        var lowerAlive = false
        for (index, pid) in state.peerPIDs.enumerated() {
            let gone = kill(pid, 0) != 0 && errno == ESRCH
            if gone, dead == nil { dead = index }
            if !gone, state.peerRanks[index] < state.rank { lowerAlive = true }
        }
        if let dead, !lowerAlive {
            let file = open(marker, O_WRONLY | O_CREAT, 0o600)
            if file >= 0 { close(file) }
            state.lines[dead].withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
        }
    }
    // The launcher ends this rank: no peer on another host should report it as lost.
    PeerLinks.announceExplainedEnd()
    raise(signal)
}
