import DDPDistributed
import Testing

/// Which ranks keep a TCP link to which (see ``PeerLinks``).
struct PeerLinkTests {
    /// Every pair on different hosts, none on the same host.
    @Test func upToTheLimitRanksOnDifferentHostsAreAllLinked() {
        let hosts = ["a", "a", "b", "b", "c"]
        for x in hosts.indices {
            for y in hosts.indices {
                #expect(PeerLinks.isLinked(x, y, hosts: hosts) == (hosts[x] != hosts[y]), "\(x)-\(y)")
            }
        }
    }

    /// Above the limit: rank 0 with everyone on another host, and ring neighbours; the rule is
    /// symmetric, and each rank keeps a handful of sockets however large the job.
    @Test func aboveTheLimitEachRankLinksWithRankZeroAndItsRingNeighboursOnly() {
        let count = PeerLinks.fullMeshLimit * 2 + 1
        let hosts = (0..<count).map { "node\($0 / 2)" }   // two ranks per host
        for x in 0..<count {
            let peers = (0..<count).filter { PeerLinks.isLinked(x, $0, hosts: hosts) }
            for y in peers { #expect(PeerLinks.isLinked(y, x, hosts: hosts)) }
            if x == 0 {
                #expect(peers.count == count - 2)          // all but itself and its host mate
            } else {
                #expect(peers.count <= 3 && peers.contains(0) == (hosts[x] != hosts[0]), "\(x): \(peers)")
            }
        }
    }
}
