/// Which rank owns each parameter of an optimizer under ``Strategy/zero1``: the greedy
/// partition of PyTorch's `ZeroRedundancyOptimizer`.
///
/// Group by group, the parameters are taken largest first (ties in the group's order) and
/// each goes to the rank holding the fewest elements so far (the lowest such rank). The
/// totals carry over from one group to the next, so a group added later leaves the owners
/// of the earlier ones as they were. Every rank computes the same partition from the sizes.
public struct ZeroRedundancyPartition: Equatable, Sendable {
    /// Per group, per parameter (in the group's order): the owning rank.
    public let owners: [[Int]]
    /// Elements owned by each rank.
    public let elementsPerRank: [Int]

    /// - Parameters:
    ///   - groupSizes: per param group, the element count of each parameter, in order.
    ///   - worldSize: the number of ranks (at least 1).
    public init(groupSizes: [[Int]], worldSize: Int) {
        precondition(worldSize >= 1, "a partition needs at least one rank, got \(worldSize)")
        var totals = [Int](repeating: 0, count: worldSize)
        owners = groupSizes.map { sizes in
            var groupOwners = [Int](repeating: 0, count: sizes.count)
            let largestFirst = sizes.indices.sorted { (sizes[$0], -$0) > (sizes[$1], -$1) }
            for index in largestFirst {
                let rank = totals.indices.min { (totals[$0], $0) < (totals[$1], $1) }!
                groupOwners[index] = rank
                totals[rank] += sizes[index]
            }
            return groupOwners
        }
        elementsPerRank = totals
    }
}
