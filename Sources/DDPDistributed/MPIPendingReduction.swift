import CMPI

/// An `MPI_Iallreduce` on its way (``MPICommunicator/startAllReduceMean(_:into:)``).
///
/// Open MPI moves a non-blocking collective on only inside MPI calls, so whoever waits for
/// it calls ``test()`` now and then (gradient sync does, after each operation of backward).
final class MPIPendingReduction: PendingReduction {
    private var request: MPI_Request?
    /// Where the sum arrives when it still has to be divided by the ranks (more than two).
    private let sumToScale: UnsafeMutableBufferPointer<Float>?
    private let scale: Float
    private let check: (Int32, String) -> Void
    private var isComplete = false

    init(request: MPI_Request?, sumToScale: UnsafeMutableBufferPointer<Float>?, scale: Float,
         check: @escaping (Int32, String) -> Void) {
        self.request = request
        self.sumToScale = sumToScale
        self.scale = scale
        self.check = check
    }

    func test() -> Bool {
        guard !isComplete else { return true }
        var done: Int32 = 0
        check(MPI_Test(&request, &done, swiftddp_status_ignore()), "MPI_Test")
        if done != 0 { complete() }
        return isComplete
    }

    func wait() {
        guard !isComplete else { return }
        check(MPI_Wait(&request, swiftddp_status_ignore()), "MPI_Wait")
        complete()
    }

    /// The same pass as the blocking path's: the sum times 1 / ranks.
    private func complete() {
        isComplete = true
        guard let sum = sumToScale else { return }
        for i in sum.indices { sum[i] *= scale }
    }
}
