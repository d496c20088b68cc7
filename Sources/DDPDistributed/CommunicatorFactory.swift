/// Chooses the communicator for this process: MPI when started by `mpirun`, otherwise the
/// single-process debug mode (or always the debug mode when `debug` is set).
public func makeCommunicator(debug: Bool = false) -> any Communicator {
    if debug || !MPICommunicator.isLaunchedByMPI { return LocalCommunicator() }
    return MPICommunicator.shared
}
