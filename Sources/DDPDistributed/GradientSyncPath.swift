/// How a ``GradientSync`` averages its buckets, chosen from where the ranks run.
public enum GradientSyncPath: String, Equatable, Sendable {
    /// One rank: nothing to average.
    case oneRank = "one rank"
    /// Every rank on one host: the ranks average in one shared-memory window.
    case sharedMemory = "shared memory"
    /// Several hosts, some with several ranks: a shared-memory window inside each host, then
    /// `MPI_Allreduce` among one leader per host (``HostLayout/isHierarchical``).
    case hierarchical
    /// One `MPI_Iallreduce` per bucket over all ranks, started during backward when the
    /// trainer overlaps (``GradientSync/overlapNextBackward()``).
    case allReduce = "MPI_Iallreduce"
    /// bfloat16 messages (``GradientCompression/bf16``): an all-to-all, then an all-gather.
    case bf16 = "bf16 compression"

    /// The path of buckets laid out with `compression`, in shared memory or not, over `layout`.
    init(layout: HostLayout, bucketsInSharedMemory: Bool, compression: GradientCompression) {
        if layout.worldSize == 1 {
            self = .oneRank
        } else if compression == .bf16 {
            self = .bf16
        } else if bucketsInSharedMemory {
            self = layout.hosts.count == 1 ? .sharedMemory : .hierarchical
        } else {
            self = .allReduce
        }
    }

    /// One line for the start of a run, e.g. "gradient sync: hierarchical, 2 hosts x 2 ranks,
    /// shared memory inside each host, MPI_Allreduce among the 2 hosts' leaders".
    public func summary(layout: HostLayout) -> String {
        let how: String
        switch self {
        case .oneRank: how = "nothing to average"
        case .sharedMemory: how = "one shared-memory window"
        case .hierarchical:
            how = "shared memory inside each host, MPI_Allreduce among the \(layout.hosts.count) hosts' leaders"
        case .allReduce: how = "one MPI_Iallreduce per bucket over all ranks"
        case .bf16: how = "bfloat16 all-to-all and all-gather per bucket"
        }
        return "gradient sync: \(rawValue), \(layout), \(how)"
    }
}
