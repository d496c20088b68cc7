import DDPDistributed
import Foundation

extension Trainer {
    /// Starts the watchdog of ``collectiveTimeout`` with a heartbeat per rank, in a job of
    /// several ranks (one rank waits for no one). A collective when the launcher does not
    /// name the job: rank 0 then hands out a key.
    func startWatchdog() -> ProgressWatchdog? {
        guard let timeout = collectiveTimeout, timeout > 0, worldSize > 1 else { return nil }
        let heartbeats = RankHeartbeats(job: watchdogJobKey(), rank: rank, worldSize: worldSize)
        return ProgressWatchdog(rank: rank, timeout: timeout, heartbeats: heartbeats)
    }

    /// Tells the watchdog this rank got further (a training or validation batch, an epoch).
    func noteProgress() {
        watchdog?.progress(step: globalStep)
    }

    private func watchdogJobKey() -> String {
        if let key = RankHeartbeats.launcherJobKey { return key }
        var token = [UInt64(UInt32(getpid())) << 32 | UInt64(UInt32(truncatingIfNeeded: Int(Date().timeIntervalSince1970 * 1000)))]
        token.withUnsafeMutableBytes { communicator.broadcast($0, root: 0) }
        return String(token[0], radix: 16)
    }
}
