import DDPTensor

/// Averages a ``GradientSync``'s buckets where they travel through the transport (across
/// machines), with one ``Communicator/startAllReduceMean(_:into:)`` each (`MPI_Iallreduce`
/// over MPI). Armed (``GradientSync/overlapNextBackward()``), it starts each bucket's
/// reduction as soon as backward has written the last of its gradients, moves the transfers
/// on between backward's operations, and ``GradientSync/synchronize()`` only waits;
/// otherwise `synchronize()` starts them all and waits. Both ways run the same reductions,
/// so a run's numbers do not depend on whether it overlapped.
///
/// Buckets start in their order on every rank (a bucket that is ready waits for the ones
/// before it), so the ranks start the same reductions in the same order whatever their
/// graphs. A parameter outside the pass's graph (unused, frozen) holds its bucket back for
/// nothing: its gradient is final before the pass begins. A gradient of the graph that an
/// operation did not write after all keeps its bucket until `synchronize()`. Each bucket is prepared
/// exactly as for a blocking `allReduceMean` and reduced with the same operation; on two
/// ranks the means are bitwise those of `MPI_Allreduce` (`(a + b) / 2` is one rounding
/// whatever the algorithm), on more the sums may be added in another order.
///
/// The mean arrives in a buffer of its own and is copied into the bucket in `synchronize()`:
/// until then the gradients keep this rank's values, so code that reads them after backward
/// (`onAfterBackward`) sees what it sees without overlap. It must not change them: they are
/// on their way.
final class OverlappedReduction: BackwardObserver {
    private let buckets: [GradientBucket]
    private let communicator: any Communicator
    /// Per parameter: the index of its bucket.
    private let bucketOfParameter: [ObjectIdentifier: Int]
    /// Per bucket: its parameters whose gradient the running backward has not finished.
    private var unfinished: [Int]
    /// Per bucket: where its mean arrives, allocated on the bucket's first start.
    private var results: [UnsafeMutableBufferPointer<Float>?]
    private var pending: [(any PendingReduction)?]
    /// The first bucket not started yet (all before it are).
    private var nextToStart = 0
    /// The oldest started bucket whose reduction may still be on its way.
    private var oldestPending = 0
    /// Backward passes since ``arm()``.
    private var passes = 0
    /// Whether the next backward pass may start reductions (see ``arm()``).
    private(set) var isArmed = false
    /// Buckets started while backward ran, over the object's life (for tests and benchmarks).
    private(set) var startedDuringBackward = 0

    /// `prepare` makes a bucket ready to reduce (gradients in place, flags set), as
    /// ``GradientSync/synchronize()`` does before a blocking reduction.
    private let prepare: (GradientBucket) -> Void

    init(buckets: [GradientBucket], parameters: [Tensor], communicator: any Communicator,
         prepare: @escaping (GradientBucket) -> Void) {
        self.buckets = buckets
        self.communicator = communicator
        self.prepare = prepare
        var bucketOfParameter: [ObjectIdentifier: Int] = [:]
        for (bucket, content) in buckets.enumerated() {
            for index in content.parameterIndices { bucketOfParameter[ObjectIdentifier(parameters[index])] = bucket }
        }
        self.bucketOfParameter = bucketOfParameter
        unfinished = buckets.map(\.parameterIndices.count)
        results = Array(repeating: nil, count: buckets.count)
        pending = Array(repeating: nil, count: buckets.count)
    }

    deinit {
        // A reduction still on its way (a sync dropped after an error) may write its result
        // yet: that buffer is left to it.
        for (result, reduction) in zip(results, pending) where reduction?.test() ?? true { result?.deallocate() }
    }

    /// Lets the next backward pass on this thread start the buckets whose gradients it finishes.
    func arm() {
        precondition(nextToStart == 0, "gradient sync was armed again before synchronize() finished the last reductions")
        unfinished = buckets.map(\.parameterIndices.count)
        passes = 0
        isArmed = true
        BackwardObservers.add(self)
    }

    func backwardWillRun(writing leaves: Set<ObjectIdentifier>) {
        passes += 1
        for (parameter, bucket) in bucketOfParameter {
            if passes > 1 {
                // A reduction reads its bucket until synchronize(): writing it would send a mix of two passes.
                precondition(!leaves.contains(parameter) || bucket >= nextToStart,
                             "a second backward pass writes gradients that gradient sync is already averaging; "
                                + "call synchronize() first, or overlapNextBackward() only before the last backward")
            } else if !leaves.contains(parameter) {
                finished(bucket)
            }
        }
    }

    func gradientIsFinal(_ leaf: Tensor) {
        // Only the first pass after arm() counts: later ones may only touch unstarted buckets.
        guard passes == 1, let bucket = bucketOfParameter[ObjectIdentifier(leaf)] else { return }
        finished(bucket)
    }

    /// One more gradient of `bucket` is final: start every bucket that is ready, in order.
    private func finished(_ bucket: Int) {
        unfinished[bucket] -= 1
        while nextToStart < buckets.count && unfinished[nextToStart] == 0 {
            start(nextToStart)
            startedDuringBackward += 1
        }
    }

    /// Moves the started reductions on (one test drives the whole transport).
    func operationFinished() {
        while oldestPending < nextToStart, pending[oldestPending]?.test() ?? true { oldestPending += 1 }
    }

    /// Starts the buckets backward left, waits for every reduction and puts each mean in its
    /// bucket; `finish` then points the parameters' gradients at their means.
    func complete(finish: (GradientBucket) -> Void) {
        BackwardObservers.remove(self)
        isArmed = false
        while nextToStart < buckets.count { start(nextToStart) }
        for (index, bucket) in buckets.enumerated() {
            pending[index]?.wait()
            pending[index] = nil
            if let result = results[index]?.baseAddress {
                bucket.reducedElements.baseAddress!.update(from: result, count: bucket.reducedElements.count)
            }
            finish(bucket)
        }
        nextToStart = 0
        oldestPending = 0
    }

    private func start(_ index: Int) {
        let bucket = buckets[index]
        prepare(bucket)
        let elements = bucket.reducedElements
        let result = results[index] ?? {
            let made = UnsafeMutableBufferPointer<Float>.allocate(capacity: elements.count)
            made.initialize(repeating: 0)
            results[index] = made
            return made
        }()
        pending[index] = communicator.startAllReduceMean(elements, into: result)
        nextToStart = index + 1
    }
}
