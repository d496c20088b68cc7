import CMPI

/// The communicators of a job's hosts, as seen from one rank: the ranks of its own host and,
/// on a host's leader, the leaders of all hosts.
struct MPIHostGroups {
    /// Which ranks share a machine, the same on every rank.
    let layout: HostLayout
    /// The ranks of this rank's host, ordered as in the world.
    let host: MPI_Comm
    /// The number of ranks on this rank's host.
    let hostSize: Int
    /// One rank per host (its lowest), ordered as in the world, on the leaders; `nil` on the
    /// other ranks, and when the job runs on one host.
    let leaders: MPI_Comm?
}

extension MPICommunicator {
    /// Finds the hosts of the job (`MPI_Comm_split_type(MPI_COMM_TYPE_SHARED)`, then each host's
    /// lowest rank gathered on every rank) and, across several hosts, makes the leaders'
    /// communicator (`MPI_Comm_split`). A collective over the world.
    func makeHostGroups(world: MPI_Comm) -> MPIHostGroups {
        var host: MPI_Comm? = swiftddp_comm_null()
        check(MPI_Comm_split_type(world, swiftddp_comm_type_shared(), Int32(rank), swiftddp_info_null(), &host),
              "MPI_Comm_split_type")
        _ = swiftddp_set_errors_return(host)
        var hostSize: Int32 = 0
        MPI_Comm_size(host, &hostSize)

        // Every rank labels itself with its host's lowest rank, and learns every rank's label.
        var label = Int64(rank)
        check(MPI_Allreduce(swiftddp_in_place(), &label, 1, swiftddp_int64(), swiftddp_op_min(), host), "MPI_Allreduce")
        var labels = [Int64](repeating: 0, count: worldSize)
        check(MPI_Allgather(&label, 1, swiftddp_int64(), &labels, 1, swiftddp_int64(), world), "MPI_Allgather")
        let layout = HostLayout(hostOfRank: labels.map { Int($0) })

        var leaders: MPI_Comm? = nil
        if layout.hosts.count > 1 {
            var split: MPI_Comm? = swiftddp_comm_null()
            let color = layout.isLeader(rank) ? 0 : swiftddp_undefined()
            check(MPI_Comm_split(world, color, Int32(rank), &split), "MPI_Comm_split")
            if layout.isLeader(rank) {
                _ = swiftddp_set_errors_return(split)
                leaders = split
            }
        }
        return MPIHostGroups(layout: layout, host: host!, hostSize: Int(hostSize), leaders: leaders)
    }

    /// A buffer for ``GradientSync`` that every rank sums over all hosts: in a shared window
    /// inside this host (or, on a host of one rank, in the rank's own memory), whose sum the
    /// leaders all-reduce across hosts.
    func makeHierarchicalReductionBuffer(count: Int, groups: MPIHostGroups) -> any SharedReductionBuffer {
        _ = mpiCount(count)   // one all-reduce takes the whole buffer: ends the job clearly if MPI cannot
        let window = groups.hostSize > 1 ? sharedWindow(capacity: count, comm: groups.host) : nil
        return HierarchicalReductionBuffer(count: count, window: window, leaders: groups.leaders) { [unowned self] status, call in
            check(status, call)
        }
    }
}
