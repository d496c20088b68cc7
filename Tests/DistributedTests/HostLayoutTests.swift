import DDPTestSupport
import SwiftDDP
import Testing

/// Grouping ranks by host and choosing the gradient sync's path from it, without MPI: the
/// labels are what `MPI_Comm_split_type` and an all-gather of each host's lowest rank give.
@Suite struct HostLayoutTests {
    @Test func ranksAreGroupedByHostInTheOrderOfTheirLowestRank() {
        // Hosts as a block placement and a round-robin placement would give them.
        let blocks = HostLayout(hostOfRank: [0, 0, 2, 2])
        #expect(blocks.hosts == [[0, 1], [2, 3]])
        #expect(blocks.leaders == [0, 2])
        #expect(blocks.worldSize == 4)
        #expect(blocks.host(of: 3) == 1)

        let roundRobin = HostLayout(hostOfRank: [0, 1, 0, 1, 0])
        #expect(roundRobin.hosts == [[0, 2, 4], [1, 3]])
        #expect(roundRobin.leaders == [0, 1])
        #expect(roundRobin.isLeader(1) && !roundRobin.isLeader(2))
        #expect(roundRobin.host(of: 4) == 0)
    }

    @Test func anyLabelSharedByAHostGroupsTheSameWay() {
        // Labels need only tell hosts apart: these are not ranks at all.
        #expect(HostLayout(hostOfRank: [70, 70, 12, 12]) == HostLayout(hostOfRank: [0, 0, 2, 2]))
    }

    @Test func hierarchicalOnlyAcrossHostsWithSomeHostRunningSeveralRanks() {
        #expect(!HostLayout(singleHostOf: 4).isHierarchical)        // one host: one shared window
        #expect(!HostLayout(hostOfRank: [0, 1]).isHierarchical)      // one rank per host: all-reduce
        #expect(HostLayout(hostOfRank: [0, 0, 2, 2]).isHierarchical)
        #expect(HostLayout(hostOfRank: [0, 0, 2]).isHierarchical)    // a host of one rank joins as its own leader
    }

    @Test func describesTheLayoutInWords() {
        #expect(HostLayout(singleHostOf: 1).description == "1 host x 1 rank")
        #expect(HostLayout(singleHostOf: 4).description == "1 host x 4 ranks")
        #expect(HostLayout(hostOfRank: [0, 1]).description == "2 hosts x 1 rank")
        #expect(HostLayout(hostOfRank: [0, 0, 2, 2]).description == "2 hosts x 2 ranks")
        #expect(HostLayout(hostOfRank: [0, 0, 2]).description == "2 hosts (2 + 1 ranks)")
    }

    @Test func thePathFollowsTheLayoutAndTheOptions() {
        let hierarchical = HostLayout(hostOfRank: [0, 0, 2, 2])
        func path(_ layout: HostLayout, shared: Bool, _ compression: GradientCompression = .none) -> GradientSyncPath {
            let parameters = [Tensor.zeros([3], requiresGrad: true)]
            return GradientSync(parameters: parameters, communicator: LayoutOnly(layout: layout, shared: shared),
                                sharedMemory: shared, compression: compression).path
        }
        #expect(path(HostLayout(singleHostOf: 1), shared: false) == .oneRank)
        #expect(path(HostLayout(singleHostOf: 2), shared: true) == .sharedMemory)
        #expect(path(hierarchical, shared: true) == .hierarchical)
        #expect(path(hierarchical, shared: false) == .allReduce)              // SWIFT_DDP_SHARED_MEMORY=0
        #expect(path(HostLayout(hostOfRank: [0, 1]), shared: false) == .allReduce)
        #expect(path(hierarchical, shared: false, .bf16) == .bf16)

        #expect(GradientSyncPath.hierarchical.summary(layout: hierarchical)
            == "gradient sync: hierarchical, 2 hosts x 2 ranks, shared memory inside each host, MPI_Allreduce among the 2 hosts' leaders")
        #expect(GradientSyncPath.allReduce.summary(layout: HostLayout(hostOfRank: [0, 1]))
            == "gradient sync: MPI_Iallreduce, 2 hosts x 1 rank, one MPI_Iallreduce per bucket over all ranks")
    }
}

/// A communicator that reports `layout` and offers a (one-process) shared buffer when
/// `shared`, so that ``GradientSync`` chooses its path as it would on those hosts. It is
/// never asked to reduce.
private final class LayoutOnly: Communicator {
    let layout: HostLayout
    let shared: Bool
    init(layout: HostLayout, shared: Bool) {
        self.layout = layout
        self.shared = shared
    }
    var rank: Int { 0 }
    var worldSize: Int { layout.worldSize }
    var hostLayout: HostLayout { layout }
    func makeSharedReductionBuffer(count: Int) -> (any SharedReductionBuffer)? { shared ? PlainBuffer(count: count) : nil }
    func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, _ operation: ReduceOperation) { Issue.record("not a collective test") }
    func allReduce(_ buffer: UnsafeMutableBufferPointer<Double>, _ operation: ReduceOperation) { Issue.record("not a collective test") }
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) { Issue.record("not a collective test") }
    func allGather(_ bytes: [UInt8]) -> [[UInt8]] { [bytes] }
    func barrier() {}
    func abort(message: String, code: Int32) -> Never { fatalError(message) }
}

/// Memory of this process standing for a shared window.
private final class PlainBuffer: SharedReductionBuffer {
    let count: Int
    let elements: UnsafeMutablePointer<Float>
    init(count: Int) {
        self.count = count
        elements = .allocate(capacity: count)
    }
    func sumOverRanks(prefix: Int, scale: Float) { Issue.record("not a collective test") }
    deinit { elements.deallocate() }
}
