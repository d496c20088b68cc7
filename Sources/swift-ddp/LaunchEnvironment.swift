import Foundation

/// What the launcher (`mpirun`, `srun`) tells a process before MPI starts: its rank and the
/// number of ranks. Used to report a mistake in the options once (from rank 0) and to size
/// the task before MPI is initialised.
struct LaunchEnvironment {
    var rank: Int
    var worldSize: Int

    static var current: LaunchEnvironment {
        let environment = ProcessInfo.processInfo.environment
        func number(_ names: [String]) -> Int? { names.lazy.compactMap { environment[$0].flatMap(Int.init) }.first }
        return LaunchEnvironment(
            rank: number(["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"]) ?? 0,
            worldSize: number(["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"]) ?? 1)
    }
}
