import DDPTensor
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// TCP links between ranks on different hosts, so that a rank learns when a peer on another
/// host dies or can no longer be reached: neither MPI nor the heartbeat files of one machine
/// (``RankHeartbeats``) can tell it.
///
/// At start-up (a collective) each rank listens on a TCP port and the ranks exchange their
/// host names, ports and IPv4 addresses; every two ranks on different hosts are linked (above
/// ``fullMeshLimit`` ranks, each rank only with rank 0 and its ring neighbours, to bound the
/// sockets). A thread then sends a 9-byte heartbeat on every link four times a second and
/// reads the peers' (see `PeerLinks+Monitor.swift`).
///
/// - A peer whose link closes without a goodbye (its process or its whole host died) is
///   named in one line, `swift-ddp: rank 0: lost rank 1 on host node2 (...); every rank ends`,
///   and this rank exits, so that the launcher ends the others.
/// - A peer silent for ``silenceLimit`` seconds (its host or its link is down) is named in
///   one line too, but this rank waits: the launcher notices the unreachable host (Open MPI
///   through its TCP keepalives) and ends the job. A rank that exited first would leave
///   `mpirun` waiting on a daemon it cannot reach.
///
/// A rank that ends for a reason already printed says so on its links first
/// (``announceExplainedEnd()``), and a rank that finishes says goodbye (``finish()``):
/// neither is reported as lost.
///
/// `@unchecked Sendable`: the per-link state lives in memory allocated once at set-up. The
/// monitor thread alone writes it; the signal handlers only read it and send on the sockets.
public final class PeerLinks: @unchecked Sendable {
    /// Above this many ranks, a rank links only with rank 0 and its two ring neighbours.
    public static let fullMeshLimit = 64
    /// Seconds of silence after which a linked peer is reported: a live one beats four times
    /// a second, and Open MPI's keepalives, as `launch/cluster` and the README set them,
    /// notice an unreachable host only after 20 s or more.
    public static let defaultSilenceLimit = 10.0

    /// The links of this process, once ``install(communicator:silenceLimit:)`` made them.
    // Safe: set once by the main thread before the monitor thread starts; read-only afterwards.
    nonisolated(unsafe) public private(set) static var current: PeerLinks?

    public let rank: Int
    /// The linked peers' ranks, one per socket, in rank order.
    public let peerRanks: [Int]
    /// The linked peers' host names, by link.
    public let peerHosts: [String]
    /// Seconds of silence after which a peer is reported (`nil`: never).
    public let silenceLimit: Double?
    /// Peers on other hosts that could not be linked (a firewall, no common network).
    public let unreachableRanks: [Int]

    let sockets: UnsafeMutableBufferPointer<Int32>
    /// Per link, when its peer was last heard (``MonotonicClock`` seconds).
    let lastHeard: UnsafeMutableBufferPointer<Double>
    /// Per link, the step its peer last announced.
    let peerSteps: UnsafeMutableBufferPointer<Int>
    /// Per link, a ``LinkState`` raw value.
    let states: UnsafeMutableBufferPointer<UInt8>
    /// Whether a line has named the silent peers already (then the SIGTERM handler does not).
    let silenceReported: UnsafeMutablePointer<Bool>
    /// When the monitor thread last went round its loop: long ago means this process was
    /// suspended, and its peers' silence tells nothing.
    let monitorLap: UnsafeMutablePointer<Double>
    /// Per link, the line the SIGTERM handler writes when that peer is why the job ends
    /// (prepared now: a signal handler may not allocate).
    let terminationLines: [[UInt8]]
    let lock = NSLock()
    var step = 0
    var stopped = false

    /// What became of a link.
    enum LinkState: UInt8 {
        case open = 0
        /// The peer said goodbye, or that its end is explained: it is not lost.
        case ended
        /// Closed without a word: the peer's process or host died.
        case closed
        /// Nothing heard for longer than the silence limit: its host or link is down (open
        /// again if it is heard from).
        case silent
    }

    /// Links this rank with its peers on other hosts and starts the monitor thread. A
    /// collective; does nothing with one rank, or when every rank is on one host.
    ///
    /// - Parameter silenceLimit: seconds of silence after which a peer is reported; `nil`
    ///   only notices peers whose connection closes.
    public static func install(communicator: any Communicator, silenceLimit: Double? = defaultSilenceLimit) {
        guard communicator.worldSize > 1, current == nil else { return }
        let listener = Listener()
        let hostName = ProcessInfo.processInfo.hostName
        var drawn = UInt64.random(in: 1...UInt64.max)
        withUnsafeMutableBytes(of: &drawn) { communicator.broadcast($0, root: 0) }
        let token = drawn
        let card = ([hostName, String(listener?.port ?? 0)] + localIPv4Addresses()).joined(separator: " ")
        let cards = communicator.allGather(Array(card.utf8)).map { String(decoding: $0, as: UTF8.self).split(separator: " ").map(String.init) }
        let hosts = cards.map { $0.first ?? "" }
        let rank = communicator.rank
        let peers = (0..<communicator.worldSize).filter { isLinked(rank, $0, hosts: hosts) }
        guard !peers.isEmpty else { return }

        // Lower ranks connect to higher ones; this rank accepts its lower peers meanwhile.
        let lower = Set(peers.filter { $0 < rank })
        let acceptance = listener.map { listener in
            Acceptance { listener.accept(from: lower, token: token, myRank: rank, within: 20) }
        }
        var linked: [Int: Int32] = [:]
        for peer in peers where peer > rank {
            let card = cards[peer]
            guard card.count >= 3, let port = UInt16(card[1]), port > 0 else { continue }
            for address in card[2...] {
                if let socket = connect(to: address, port: port, token: token, myRank: rank, peer: peer) {
                    linked[peer] = socket
                    break
                }
            }
        }
        if let acceptance {
            linked.merge(acceptance.result()) { first, _ in first }
        }
        listener?.close()

        let ranks = peers.filter { linked[$0] != nil }
        let missing = peers.filter { linked[$0] == nil }
        if !missing.isEmpty {
            writeToStandardError("swift-ddp: rank \(rank): could not reach rank(s) "
                + missing.map { "\($0) on host \(hosts[$0])" }.joined(separator: ", ")
                + " over TCP; if a host is lost, the job still ends, but this rank cannot name it\n")
        }
        guard !ranks.isEmpty else { return }
        let links = PeerLinks(rank: rank, peerRanks: ranks, peerHosts: ranks.map { hosts[$0] },
                              sockets: ranks.map { linked[$0]! }, silenceLimit: silenceLimit, unreachable: missing)
        current = links
        links.startMonitor()
    }

    init(rank: Int, peerRanks: [Int], peerHosts: [String], sockets: [Int32], silenceLimit: Double?, unreachable: [Int]) {
        self.rank = rank
        self.peerRanks = peerRanks
        self.peerHosts = peerHosts
        self.silenceLimit = silenceLimit
        unreachableRanks = unreachable
        self.sockets = .allocate(capacity: sockets.count)
        _ = self.sockets.initialize(from: sockets)
        lastHeard = .allocate(capacity: sockets.count)
        lastHeard.initialize(repeating: MonotonicClock.seconds())
        peerSteps = .allocate(capacity: sockets.count)
        peerSteps.initialize(repeating: 0)
        states = .allocate(capacity: sockets.count)
        states.initialize(repeating: LinkState.open.rawValue)
        silenceReported = .allocate(capacity: 1)
        silenceReported.initialize(to: false)
        monitorLap = .allocate(capacity: 1)
        monitorLap.initialize(to: MonotonicClock.seconds())
        terminationLines = zip(peerRanks, peerHosts).map { peer, host in
            Array(("swift-ddp: rank \(rank): lost rank \(peer) on host \(host) (disconnected or silent when the "
                + "launcher ended the job: its process, its host or its link is down); every rank ends\n").utf8)
        }
    }

    /// Whether ranks `a` and `b` get a link: they run on different hosts and, in a large job,
    /// one of them is rank 0 or they are ring neighbours.
    public static func isLinked(_ a: Int, _ b: Int, hosts: [String]) -> Bool {
        guard a != b, hosts[a] != hosts[b] else { return false }
        let count = hosts.count
        if count <= fullMeshLimit { return true }
        return a == 0 || b == 0 || (a + 1) % count == b || (b + 1) % count == a
    }

    /// The last step and age of rank `peer`'s heartbeat, if it is linked and still open.
    public func beat(of peer: Int) -> RankHeartbeats.Beat? {
        guard let link = peerRanks.firstIndex(of: peer) else { return nil }
        lock.lock()
        defer { lock.unlock() }
        return RankHeartbeats.Beat(step: peerSteps[link], age: max(0, MonotonicClock.seconds() - lastHeard[link]),
                                   host: peerHosts[link])
    }

    /// The step this rank announces in its heartbeats.
    public func note(step: Int) {
        lock.lock()
        self.step = step
        lock.unlock()
    }
}

// MARK: - Sockets

extension PeerLinks {
    /// The handshake both ends send: the job's token and the sender's rank.
    static func handshake(token: UInt64, rank: Int) -> [UInt8] {
        withUnsafeBytes(of: token.littleEndian, Array.init) + withUnsafeBytes(of: UInt64(rank).littleEndian, Array.init)
    }

    /// The rank a handshake names, if it carries `token`.
    static func rank(inHandshake bytes: [UInt8], token: UInt64) -> Int? {
        guard bytes.count == 16 else { return nil }
        let sent = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        let rank = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self) }
        guard UInt64(littleEndian: sent) == token else { return nil }
        return Int(truncatingIfNeeded: UInt64(littleEndian: rank))
    }

    /// This machine's IPv4 addresses, loopback left out.
    static func localIPv4Addresses() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var addresses: [String] = []
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            let flags = Int32(entry.pointee.ifa_flags)
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET),
                  flags & Int32(IFF_UP) != 0, flags & Int32(IFF_LOOPBACK) == 0 else { continue }
            var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { inet in
                var raw = inet.pointee.sin_addr
                _ = inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
            }
            addresses.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return addresses
    }

    /// A linked socket to `peer` at `address:port`, handshake done; `nil` if it does not
    /// answer within 2 s or is not that peer.
    static func connect(to address: String, port: UInt16, token: UInt64, myRank: Int, peer: Int) -> Int32? {
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = port.bigEndian
        guard inet_pton(AF_INET, address, &target.sin_addr) == 1 else { return nil }
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return nil }
        _ = fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) | O_NONBLOCK)
        let started = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var connected = started == 0
        if !connected && errno == EINPROGRESS, wait(socket, for: Int16(POLLOUT), milliseconds: 2000) {
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            connected = getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0
        }
        guard connected, send(handshake(token: token, rank: myRank), on: socket),
              let reply = receive(16, from: socket, milliseconds: 2000),
              rank(inHandshake: reply, token: token) == peer
        else {
            _ = Glibc.close(socket)
            return nil
        }
        return socket
    }

    /// Waits until `socket` is ready for `events`.
    static func wait(_ socket: Int32, for events: Int16, milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: socket, events: events, revents: 0)
        return poll(&entry, 1, milliseconds) == 1 && entry.revents & events != 0
    }

    /// Sends all of `bytes` on a socket that is not expected to block.
    static func send(_ bytes: [UInt8], on socket: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent > 0 {
                offset += sent
            } else if !(sent < 0 && (errno == EAGAIN || errno == EINTR) && wait(socket, for: Int16(POLLOUT), milliseconds: 2000)) {
                return false
            }
        }
        return true
    }

    /// Exactly `count` bytes from `socket`, or `nil` after `milliseconds` or at its end.
    static func receive(_ count: Int, from socket: Int32, milliseconds: Int32) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var offset = 0
        let deadline = MonotonicClock.seconds() + Double(milliseconds) / 1000
        while offset < count {
            let left = Int32(max(0, (deadline - MonotonicClock.seconds()) * 1000))
            guard wait(socket, for: Int16(POLLIN), milliseconds: left) else { return nil }
            let read = bytes.withUnsafeMutableBytes { recv(socket, $0.baseAddress! + offset, count - offset, Int32(MSG_DONTWAIT)) }
            if read > 0 { offset += read } else if !(read < 0 && (errno == EAGAIN || errno == EINTR)) { return nil }
        }
        return bytes
    }
}

/// Accepting on a thread of its own while the main thread connects, so that two ranks
/// connecting to each other's listeners at once cannot wait on each other.
// Safe: `linked` is written once by the thread before `done` is signalled, read after.
private final class Acceptance: @unchecked Sendable {
    private var linked: [Int: Int32] = [:]
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () -> [Int: Int32]) {
        Thread { [self] in
            linked = work()
            done.signal()
        }.start()
    }

    func result() -> [Int: Int32] {
        done.wait()
        return linked
    }
}

/// The TCP port a rank's lower peers connect to during set-up.
final class Listener: @unchecked Sendable {
    // Safe: used by one thread at a time (the accepting task, then `close` after it ended).
    let socket: Int32
    let port: UInt16

    init?() {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = INADDR_ANY
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        guard bound == 0, named == 0, listen(socket, 128) == 0 else {
            _ = Glibc.close(socket)
            return nil
        }
        self.socket = socket
        port = UInt16(bigEndian: address.sin_port)
    }

    /// Accepts the peers in `expected` (a handshake with the job's token each), until all came
    /// or `seconds` passed; returns their sockets by rank.
    func accept(from expected: Set<Int>, token: UInt64, myRank: Int, within seconds: Double) -> [Int: Int32] {
        var linked: [Int: Int32] = [:]
        let deadline = MonotonicClock.seconds() + seconds
        while linked.count < expected.count && MonotonicClock.seconds() < deadline {
            guard PeerLinks.wait(socket, for: Int16(POLLIN), milliseconds: 200) else { continue }
            let peer = Glibc.accept(socket, nil, nil)
            guard peer >= 0 else { continue }
            _ = fcntl(peer, F_SETFL, fcntl(peer, F_GETFL) | O_NONBLOCK)
            if let hello = PeerLinks.receive(16, from: peer, milliseconds: 2000),
               let rank = PeerLinks.rank(inHandshake: hello, token: token), expected.contains(rank), linked[rank] == nil,
               PeerLinks.send(PeerLinks.handshake(token: token, rank: myRank), on: peer) {
                linked[rank] = peer
            } else {
                _ = Glibc.close(peer)
            }
        }
        return linked
    }

    func close() { _ = Glibc.close(socket) }
}
