import DDPTensor
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension PeerLinks {
    /// Seconds between two heartbeats on a link.
    static let heartbeatInterval = 0.25
    /// How long a link may be quiet before the SIGTERM handler counts its peer as the reason
    /// the launcher ended the job: a live peer beats four times a second.
    static let quietWhenTerminated = 2.0

    /// What one 9-byte record on a link says; the other 8 bytes are the sender's step.
    enum Record: UInt8 {
        case heartbeat = 0x68   // "h"
        /// The sender finished its work: its link closing next is no loss.
        case goodbye = 0x46     // "F"
        /// The sender ends for a reason a line has given already (its error, the launcher's
        /// SIGTERM): no rank needs to report it as lost.
        case explained = 0x45   // "E"
    }

    func startMonitor() {
        Thread { [self] in monitor() }.start()
    }

    /// Says goodbye on every link and stops watching: this rank's work is done, and its links
    /// closing at exit is no loss.
    public func finish() {
        lock.lock()
        stopped = true
        let step = self.step
        lock.unlock()
        for link in sockets.indices { Self.send(.goodbye, step: step, on: sockets[link]) }
    }

    /// Tells every linked peer that this rank's end is explained by a line already, so that
    /// none reports it as lost. Safe in a signal handler.
    public static func announceExplainedEnd() {
        guard let links = current else { return }
        for link in links.sockets.indices { send(.explained, step: 0, on: links.sockets[link]) }
    }

    /// Writes one line per linked peer that is disconnected or quiet, when the launcher ends
    /// this rank; returns whether it wrote any. Safe in a signal handler.
    static func reportQuietPeersOnTermination() -> Bool {
        guard let links = current else { return false }
        links.awaitMonitorOnHangUp()
        let now = MonotonicClock.seconds()
        // Stopped until just now (SIGSTOP, then the launcher's SIGCONT and SIGTERM): the peers'
        // records are unread, so their silence tells nothing.
        let awake = now - links.monitorLap.pointee < 1
        var wrote = false
        for link in links.sockets.indices {
            let state = LinkState(rawValue: links.states[link]) ?? .open
            let quiet = awake && state == .open && now - links.lastHeard[link] > quietWhenTerminated
            let silentUnreported = (state == .silent || quiet) && !links.silenceReported.pointee
            guard state == .closed || silentUnreported else { continue }
            links.terminationLines[link].withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
            wrote = true
        }
        return wrote
    }

    /// When a peer's connection closed just before the launcher's SIGTERM (a host killed: the
    /// launcher notices its daemon gone as fast as the links do), gives the monitor thread up
    /// to `hangUpGrace` seconds to read what is left on the links and end this rank with its
    /// one line naming every lost rank of the host (see `endJob`). Returns at once when no
    /// link hung up. Safe in a signal handler: `poll` and `nanosleep` only, and the handler
    /// never runs on the monitor thread, which blocks SIGTERM.
    private func awaitMonitorOnHangUp() {
        let hungUp = sockets.indices.contains { link in
            if LinkState(rawValue: states[link]) == .closed { return true }
            guard LinkState(rawValue: states[link]) == .open else { return false }
            var entry = pollfd(fd: sockets[link], events: Int16(Self.hangUpEvents), revents: 0)
            return poll(&entry, 1, 0) == 1 && entry.revents & Int16(Self.hangUpEvents | POLLHUP | POLLERR) != 0
        }
        guard hungUp else { return }
        var pause = timespec(tv_sec: 0, tv_nsec: 10_000_000)
        let deadline = MonotonicClock.seconds() + Self.hangUpGrace
        while MonotonicClock.seconds() < deadline { nanosleep(&pause, nil) }   // endJob exits meanwhile
    }

    /// Longer than the monitor's wait for a host's other ranks (0.3 s) plus a poll round;
    /// shorter than the launcher's grace between SIGTERM and SIGKILL (1 s in Open MPI).
    static let hangUpGrace = 0.8
    /// `POLLRDHUP`: the peer closed its end (Linux).
    private static let hangUpEvents: Int32 = 0x2000

    /// One record on `socket`, without blocking; a full or broken link drops it. Safe in a
    /// signal handler (no allocation).
    static func send(_ kind: Record, step: Int, on socket: Int32) {
        var bytes: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &bytes) { record in
            record[0] = kind.rawValue
            record.storeBytes(of: UInt64(truncatingIfNeeded: step).littleEndian, toByteOffset: 1, as: UInt64.self)
            _ = Glibc.send(socket, record.baseAddress, 9, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
        }
    }

    /// The monitor thread: beats, reads the peers' records, and ends this rank when a peer is lost.
    private func monitor() {
        // The SIGTERM handler waits for this thread (`awaitMonitorOnHangUp`): it must run elsewhere.
        var terminate = sigset_t()
        sigemptyset(&terminate)
        sigaddset(&terminate, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &terminate, nil)
        var pending = [[UInt8]](repeating: [], count: sockets.count)
        var entries = sockets.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        var nextBeat = 0.0
        var lastLap = MonotonicClock.seconds()
        var lostSince: Double?
        while true {
            lock.lock()
            let (stopped, step) = (self.stopped, self.step)
            lock.unlock()
            if stopped { return }
            let now = MonotonicClock.seconds()
            // A long gap means this process itself was suspended: the silence is not the peers'.
            if now - lastLap > 1 { forgiveSilence(until: now) }
            lastLap = now
            monitorLap.pointee = now
            if now >= nextBeat {
                for link in sockets.indices where state(of: link) == .open { Self.send(.heartbeat, step: step, on: sockets[link]) }
                nextBeat = now + Self.heartbeatInterval
            }
            for link in entries.indices {
                entries[link].fd = state(of: link) == .open ? sockets[link] : -1
                entries[link].revents = 0
            }
            _ = poll(&entries, nfds_t(entries.count), Int32(Self.heartbeatInterval * 1000))
            for link in entries.indices where entries[link].revents != 0 { read(link, pending: &pending[link]) }
            if markSilentPeers() { reportSilence() }
            if lostSince == nil, sockets.indices.contains(where: { state(of: $0) == .closed }) {
                lostSince = MonotonicClock.seconds()
            }
            // A moment for the other ranks of a lost host to close too, so one line names them all.
            if let lostSince, MonotonicClock.seconds() - lostSince > 0.3 { endJob() }
        }
    }

    func state(of link: Int) -> LinkState {
        lock.lock()
        defer { lock.unlock() }
        return LinkState(rawValue: states[link]) ?? .open
    }

    private func set(_ state: LinkState, of link: Int) {
        lock.lock()
        if states[link] == LinkState.open.rawValue { states[link] = state.rawValue }
        lock.unlock()
    }

    /// Reads what link `link` has, record by record; notes a link that closed.
    private func read(_ link: Int, pending: inout [UInt8]) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(sockets[link], $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 {
                pending += buffer[0..<count]
                continue
            }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { break }
            take(&pending, from: link)
            set(.closed, of: link)   // no effect when it said goodbye or explained its end
            return
        }
        take(&pending, from: link)
    }

    /// Applies the whole records in `pending` and keeps the rest.
    private func take(_ pending: inout [UInt8], from link: Int) {
        let whole = pending.count / 9 * 9
        guard whole > 0 else { return }
        let now = MonotonicClock.seconds()
        for start in stride(from: 0, to: whole, by: 9) {
            let step = pending[(start + 1)..<(start + 9)].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            lock.lock()
            lastHeard[link] = now
            peerSteps[link] = Int(truncatingIfNeeded: UInt64(littleEndian: step))
            if states[link] == LinkState.silent.rawValue { states[link] = LinkState.open.rawValue }   // heard again
            lock.unlock()
            switch Record(rawValue: pending[start]) {
            case .goodbye, .explained: set(.ended, of: link)
            case .heartbeat, nil: break
            }
        }
        pending.removeFirst(whole)
    }

    /// Marks the open links silent for longer than the limit; returns whether any became so.
    private func markSilentPeers() -> Bool {
        guard let silenceLimit else { return false }
        let now = MonotonicClock.seconds()
        var marked = false
        for link in sockets.indices where state(of: link) == .open {
            lock.lock()
            let heard = lastHeard[link]
            lock.unlock()
            if now - heard > silenceLimit {
                set(.silent, of: link)
                marked = true
            }
        }
        return marked
    }

    /// Names the silent peers in one line, unless the job's end is explained already or a
    /// lower rank on this host speaks for it; this rank waits on (see ``PeerLinks``).
    private func reportSilence() {
        guard !silenceReported.pointee else { return }
        defer { silenceReported.pointee = true }
        if PeerDeathReport.isReported || PeerDeathReport.isLowerRankAliveOnThisHost { return }
        writeToStandardError("swift-ddp: rank \(rank): \(lostPeersDescription(.silent)); the job ends when the launcher notices\n")
    }

    private func forgiveSilence(until now: Double) {
        lock.lock()
        for link in sockets.indices { lastHeard[link] = max(lastHeard[link], now) }
        lock.unlock()
    }

    /// Names the lost peers in one line and ends this rank, unless another rank on this host
    /// explains the job's end first.
    private func endJob() -> Never {
        let exit = { () -> Never in _exit(RankFailure.exitCode) }
        if PeerDeathReport.isReported { exit() }
        if PeerDeathReport.isLowerRankAliveOnThisHost {
            sleep(1)
            if PeerDeathReport.isReported { exit() }
        }
        PeerDeathReport.noteReported()
        writeToStandardError("swift-ddp: rank \(rank): \(lostPeersDescription(.closed)); every rank ends\n")
        exit()
    }

    /// The peers whose links are in `state` (closed or silent), grouped by host.
    func lostPeersDescription(_ state: LinkState) -> String {
        var groups: [(host: String, ranks: [Int])] = []
        for link in sockets.indices where self.state(of: link) == state {
            if let index = groups.firstIndex(where: { $0.host == peerHosts[link] }) {
                groups[index].ranks.append(peerRanks[link])
            } else {
                groups.append((peerHosts[link], [peerRanks[link]]))
            }
        }
        let parts = groups.map { group in
            let ranks = (group.ranks.count == 1 ? "rank " : "ranks ") + group.ranks.map(String.init).joined(separator: ", ")
            return state == .closed
                ? "lost \(ranks) on host \(group.host) (its connection closed without a goodbye: the process or its host died)"
                : "nothing heard from \(ranks) on host \(group.host) for \(Int((silenceLimit ?? 0).rounded())) s (its host or its link is down)"
        }
        return parts.joined(separator: "; ")
    }
}
