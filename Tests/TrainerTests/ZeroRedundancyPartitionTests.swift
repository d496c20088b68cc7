import DDPTestSupport
import SwiftDDP
import Testing

/// The partition of parameters over ranks under strategy zero1: PyTorch's greedy rule,
/// the same on every call, every parameter owned once, the ranks' loads close.
@Suite struct ZeroRedundancyPartitionTests {
    /// Worked by hand with `ZeroRedundancyOptimizer._partition_parameters`' rule: 30 to rank 0,
    /// 20 to rank 1, 10 to rank 1 (20 < 30), 5 to rank 0 (30 = 30, the lower rank).
    @Test func largestFirstToTheLeastLoadedRank() {
        let partition = ZeroRedundancyPartition(groupSizes: [[10, 30, 20, 5]], worldSize: 2)
        #expect(partition.owners == [[1, 0, 1, 0]])
        #expect(partition.elementsPerRank == [35, 30])
    }

    /// Equal sizes keep the group's order: the first goes to rank 0, the next to rank 1, ...
    @Test func equalSizesGoRoundTheRanksInOrder() {
        let partition = ZeroRedundancyPartition(groupSizes: [[4, 4, 4, 4, 4]], worldSize: 3)
        #expect(partition.owners == [[0, 1, 2, 0, 1]])
    }

    /// The loads carry over between groups, and a group added later leaves the owners of the
    /// earlier ones as they were (a fine-tuning callback may add one mid-run).
    @Test func groupsShareTheLoadsAndALaterGroupMovesNothing() {
        let two = ZeroRedundancyPartition(groupSizes: [[8, 2], [6, 6]], worldSize: 2)
        #expect(two.owners == [[0, 1], [1, 0]])
        #expect(two.elementsPerRank == [14, 8])
        let three = ZeroRedundancyPartition(groupSizes: [[8, 2], [6, 6], [3]], worldSize: 2)
        #expect(Array(three.owners.prefix(2)) == two.owners)
    }

    /// Random models on 1 to 5 ranks: every parameter has exactly one owner in range, the
    /// owned elements add up to the model, two computations agree, and no rank holds more
    /// than the least loaded one plus the largest parameter (the greedy rule's bound).
    @Test(arguments: 1...5)
    func everyParameterOnceAndTheLoadsBalanced(worldSize: Int) {
        var generator = RandomGenerator(seed: UInt64(40 + worldSize))
        for _ in 0..<50 {
            let groups = (0..<(1 + Int(generator.next() % 3))).map { _ in
                (0..<(1 + Int(generator.next() % 12))).map { _ in 1 + Int(generator.next() % 5000) }
            }
            let partition = ZeroRedundancyPartition(groupSizes: groups, worldSize: worldSize)
            #expect(partition == ZeroRedundancyPartition(groupSizes: groups, worldSize: worldSize))
            #expect(partition.owners.map(\.count) == groups.map(\.count))
            #expect(partition.owners.joined().allSatisfy { (0..<worldSize).contains($0) })
            var owned = [Int](repeating: 0, count: worldSize)
            for (sizes, owners) in zip(groups, partition.owners) {
                for (size, owner) in zip(sizes, owners) { owned[owner] += size }
            }
            #expect(owned == partition.elementsPerRank)
            #expect(owned.reduce(0, +) == groups.joined().reduce(0, +))
            let largest = groups.joined().max()!
            #expect(owned.max()! - owned.min()! <= largest, "\(groups) on \(worldSize): \(owned)")
        }
    }
}
