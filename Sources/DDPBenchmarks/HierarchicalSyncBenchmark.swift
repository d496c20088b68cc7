import DDPDistributed

extension GradientSyncBenchmark {
    /// The figure `name`: the hierarchical gradient sync (shared memory inside each host,
    /// `MPI_Allreduce` among the hosts' leaders) against one flat `MPI_Allreduce` of the same
    /// bytes over all ranks, in alternating rounds, with the flat `MPI_Allreduce` path of the
    /// sync itself as a detail; a collective on every rank. It needs ranks on several hosts,
    /// some host with several (``HostLayout/isHierarchical``): `launch/cluster --hosts 2
    /// --ranks-per-host 2 --rate 1gbit -- swift-ddp bench sync`.
    public static func hierarchicalResult(
        name: String, summary: String, shapes: [[Int]], communicator: any Communicator, repeats: Int = 10
    ) -> BenchmarkResult {
        let layout = communicator.hostLayout
        precondition(layout.isHierarchical, "the hierarchical sync needs several hosts, some with several ranks; got \(layout)")
        let hierarchical = measure(shapes: shapes, communicator: communicator, repeats: repeats, sharedMemory: true)
        let flat = measure(shapes: shapes, communicator: communicator, repeats: repeats, sharedMemory: false)
        return BenchmarkResult(
            name: name,
            summary: "hierarchical gradient sync of \(summary) (\(hierarchical.parameterCount) parameters, "
                + "\(hierarchical.bucketCount) bucket(s)) over \(layout): shared memory inside hosts, "
                + "MPI_Allreduce among the \(layout.hosts.count) leaders",
            medianMilliseconds: hierarchical.synchronizeSeconds * 1000,
            reference: "one flat MPI_Allreduce of the same bytes over all \(layout.worldSize) ranks",
            referenceMilliseconds: hierarchical.allReduceSeconds * 1000,
            pairedRatios: hierarchical.ratios,
            details: [("flat_allreduce_path_ms", flat.synchronizeSeconds * 1000),
                      ("flat_allreduce_path_ratio", flat.ratio)])
    }
}
