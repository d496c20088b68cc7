/// Which ranks of a job share a machine (a host), as Open MPI's
/// `MPI_Comm_split_type(MPI_COMM_TYPE_SHARED)` groups them.
///
/// Each host's lowest rank is its leader: with ``isHierarchical`` the ranks of a host sum
/// their gradients in memory they share, and only the leaders talk across hosts.
///
///     let layout = HostLayout(hostOfRank: [0, 0, 2, 2])   // ranks 0, 1 on one host, 2, 3 on another
///     layout.description        // "2 hosts x 2 ranks"
///     layout.leaders            // [0, 2]
///     layout.isHierarchical     // true
public struct HostLayout: Equatable, Sendable, CustomStringConvertible {
    /// The ranks of each host in increasing order; the hosts in the order of their lowest rank.
    public let hosts: [[Int]]

    /// Groups the ranks by host from, for each rank in order, any label its host's ranks all
    /// share and no other host uses (such as the host's lowest rank).
    public init(hostOfRank labels: [Int]) {
        precondition(!labels.isEmpty, "a host layout needs at least one rank")
        var hostIndex: [Int: Int] = [:]
        var hosts: [[Int]] = []
        for (rank, label) in labels.enumerated() {
            if let index = hostIndex[label] {
                hosts[index].append(rank)
            } else {
                hostIndex[label] = hosts.count
                hosts.append([rank])
            }
        }
        self.hosts = hosts
    }

    /// All `worldSize` ranks on one host.
    public init(singleHostOf worldSize: Int) {
        precondition(worldSize > 0, "a host layout needs at least one rank, got \(worldSize)")
        hosts = [Array(0..<worldSize)]
    }

    /// The number of ranks over all hosts.
    public var worldSize: Int { hosts.reduce(0) { $0 + $1.count } }

    /// The index in ``hosts`` of the host that runs `rank`.
    public func host(of rank: Int) -> Int {
        guard let index = hosts.firstIndex(where: { $0.contains(rank) }) else {
            preconditionFailure("rank \(rank) is not in a layout of \(worldSize) ranks")
        }
        return index
    }

    /// Each host's leader (its lowest rank), in host order.
    public var leaders: [Int] { hosts.map { $0[0] } }

    /// Whether `rank` leads its host: it carries the host's sum across hosts.
    public func isLeader(_ rank: Int) -> Bool { leaders.contains(rank) }

    /// Whether averaging gains from a step inside each host before the step across hosts:
    /// the ranks span several hosts, and at least one host runs several of them.
    public var isHierarchical: Bool { hosts.count > 1 && hosts.contains { $0.count > 1 } }

    /// "1 host x 4 ranks", "2 hosts x 2 ranks", or, when hosts differ, "2 hosts (2 + 1 ranks)".
    public var description: String {
        let sizes = hosts.map(\.count)
        let hostWord = hosts.count == 1 ? "host" : "hosts"
        if Set(sizes).count == 1 {
            return "\(hosts.count) \(hostWord) x \(sizes[0]) rank\(sizes[0] == 1 ? "" : "s")"
        }
        return "\(hosts.count) \(hostWord) (\(sizes.map(String.init).joined(separator: " + ")) ranks)"
    }
}

extension Communicator {
    /// One host for every rank: a communicator that knows no better runs in one process or on
    /// one machine.
    public var hostLayout: HostLayout { HostLayout(singleHostOf: worldSize) }
}
