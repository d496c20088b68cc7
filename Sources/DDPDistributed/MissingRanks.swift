/// The ranks a waiting rank holds responsible for a collective that never completes, judged
/// from their heartbeats: a stale heartbeat (the rank is stopped or gone), more than one step
/// behind the waiting rank's, or no heartbeat at all (say, a rank on another machine).
public struct MissingRanks: CustomStringConvertible, Equatable {
    public enum Reason: Equatable {
        /// Its heartbeat is this many seconds old, last at `step`.
        case silent(seconds: Double, step: Int)
        /// Its heartbeat is fresh, but it is still at `step`.
        case behind(step: Int)
        /// No heartbeat could be read.
        case unknown
    }

    /// The ranks that did not arrive, in rank order, with why.
    public let ranks: [(rank: Int, reason: Reason)]
    /// The lowest rank that is waiting like this one (heartbeat fresh, at most a step behind).
    public let lowestWaitingRank: Int?
    /// The hosts of the ranks on other hosts, for the message.
    public let hosts: [Int: String]

    /// Judges `beats` (by rank) as seen by `waitingRank`, which is stuck after `step`; a
    /// heartbeat older than `staleAfter` seconds is stale.
    public init(beats: [RankHeartbeats.Beat?], waitingRank: Int, step: Int, staleAfter: Double) {
        var ranks: [(Int, Reason)] = []
        var lowest: Int?
        for (rank, beat) in beats.enumerated() where rank != waitingRank {
            guard let beat else { ranks.append((rank, .unknown)); continue }
            if beat.age > staleAfter {
                ranks.append((rank, .silent(seconds: beat.age, step: beat.step)))
            } else if beat.step < step - 1 {
                // One step behind is the normal skew of ranks waiting in the same collective
                // (one left the previous step's last collective before the other counted it).
                ranks.append((rank, .behind(step: beat.step)))
            } else if lowest == nil {
                lowest = rank
            }
        }
        self.ranks = ranks
        hosts = Dictionary(uniqueKeysWithValues: beats.enumerated().compactMap { rank, beat in beat?.host.map { (rank, $0) } })
        lowestWaitingRank = lowest.map { min($0, waitingRank) } ?? waitingRank
    }

    public static func == (a: MissingRanks, b: MissingRanks) -> Bool {
        a.lowestWaitingRank == b.lowestWaitingRank && a.ranks.map(\.rank) == b.ranks.map(\.rank)
            && a.ranks.map(\.reason) == b.ranks.map(\.reason)
    }

    public var description: String {
        guard !ranks.isEmpty else {
            return "every rank's heartbeat is fresh and at this step: a rank may be stuck in a long computation, "
                + "or the ranks called different collectives"
        }
        let parts = ranks.map { rank, reason in
            let rank = hosts[rank].map { "\(rank) on host \($0)" } ?? "\(rank)"
            switch reason {
            case .silent(let seconds, let step):
                return "rank \(rank) (silent for \(Int(seconds.rounded())) s at step \(step): stopped or gone)"
            case .behind(let step):
                return "rank \(rank) (alive but still at step \(step))"
            case .unknown:
                return "rank \(rank) (no heartbeat on this machine)"
            }
        }
        return "waiting for " + parts.joined(separator: ", ") + ", which did not arrive"
    }
}
