import Foundation
import SwiftDDP
import Testing

@Suite struct HeartbeatTests {
    typealias Beat = RankHeartbeats.Beat

    @Test func aSilentRankAndARankBehindAreNamed() {
        let beats: [Beat?] = [Beat(step: 7, age: 0.1), Beat(step: 7, age: 30), Beat(step: 5, age: 0.2), Beat(step: 7, age: 0.1), nil]
        let missing = MissingRanks(beats: beats, waitingRank: 3, step: 7, staleAfter: 2)
        #expect(missing.ranks.map(\.rank) == [1, 2, 4])
        #expect(missing.lowestWaitingRank == 0)
        #expect(missing.description == "waiting for rank 1 (silent for 30 s at step 7: stopped or gone), "
            + "rank 2 (alive but still at step 5), rank 4 (no heartbeat on this machine), which did not arrive")
    }

    /// Ranks waiting in the same collective may be a step apart: one left the previous
    /// step's last collective and counted the step before the other did. Both wait; the
    /// lower one speaks.
    @Test func aRankOneStepBehindWaitsToo() {
        let beats: [Beat?] = [Beat(step: 2, age: 0.1), Beat(step: 3, age: 0.1), Beat(step: 2, age: 20)]
        let missing = MissingRanks(beats: beats, waitingRank: 1, step: 3, staleAfter: 2)
        #expect(missing.ranks.map(\.rank) == [2])
        #expect(missing.lowestWaitingRank == 0)
    }

    @Test func freshHeartbeatsAtTheSameStepNameNoRank() {
        let missing = MissingRanks(beats: [Beat(step: 3, age: 0), Beat(step: 3, age: 0.3)], waitingRank: 1, step: 3, staleAfter: 2)
        #expect(missing.ranks.isEmpty && missing.lowestWaitingRank == 0)
        #expect(missing.description.hasPrefix("every rank's heartbeat is fresh"))
    }

    @Test func ranksReadEachOthersBeatsAndCleanUp() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("beats-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let zero = try #require(RankHeartbeats(job: "job/1", rank: 0, worldSize: 3, root: root))
        let one = try #require(RankHeartbeats(job: "job/1", rank: 1, worldSize: 3, root: root))
        zero.beat(step: 12)
        one.beat(step: 11)
        let beats = zero.beats()
        #expect(beats[0]?.step == 12 && beats[1]?.step == 11 && beats[2] == nil)
        #expect(beats.compactMap { $0?.age }.allSatisfy { $0 < 5 })
        zero.remove()
        one.remove()
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).isEmpty)
    }
}
