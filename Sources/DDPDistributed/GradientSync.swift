import DDPTensor

/// Averages the gradients of a set of parameters over all ranks, one all-reduce per bucket.
///
/// The gradients live in flat buckets (25 MiB by default), filled in reverse registration
/// order (as PyTorch DDP does: backward produces the last layers' gradients first). Each
/// parameter's ``Tensor/gradDestination`` is bound to its view in a bucket, so backward
/// writes its gradient straight into the bucket and ``synchronize()`` moves it without a
/// copy:
///
///     let sync = GradientSync(parameters: model.parameters(), communicator: comm)
///     for parameter in model.parameters() { parameter.grad = nil }   // keeps the destination
///     loss.backward()
///     sync.synchronize()        // every rank now holds the mean gradient
///     optimizer.step()
///
/// When every rank runs on one machine, the buckets lie in memory the ranks share
/// (``Communicator/makeSharedReductionBuffer(count:)``) and the ranks average them in place
/// together, each its own slice, without the transport's copies. Across machines with several
/// ranks on some, the ranks of each machine sum in memory they share and one leader per
/// machine all-reduces the sums (``GradientSyncPath/hierarchical``). Otherwise each bucket is
/// averaged by one reduction through the transport, and ``overlapNextBackward()`` lets
/// backward start each bucket's reduction as soon as it has written the bucket's last
/// gradient (see ``OverlappedReduction``); ``path`` says which:
///
///     sync.overlapNextBackward()   // before the backward whose gradients synchronize() averages
///     loss.backward()              // buckets start as they fill
///     sync.synchronize()           // waits
///
/// Parameters without a gradient need no extra collective: each bucket carries one flag
/// per parameter after its gradients, summed by the same all-reduce. A parameter whose
/// gradient is `nil` on every rank stays `nil` (so an optimizer skips it, as in one
/// process); one whose gradient is `nil` on some ranks only counts as zeros there.
///
/// Every rank must build its `GradientSync` from the same parameters in the same order
/// (see ``verifySameModel(namedShapes:communicator:)``) and call ``synchronize()`` at the
/// same points: it is a collective.
public final class GradientSync {
    /// The default bucket size, 25 MiB as PyTorch DDP's `bucket_cap_mb`: on a 2-core machine
    /// with Open MPI's shared-memory transport, 25 MiB buckets synchronised 10M parameters
    /// faster than 4 or 8 MiB ones (see `GradientSyncBenchmark` in DDPBenchmarks, `swift-ddp bench sync`).
    public static let defaultBucketCapacityBytes = 25 << 20

    /// The default bucket size where buckets travel through the transport (across machines),
    /// so that backward fills the first ones early and their reductions overlap the rest of
    /// it (measured with `swift-ddp bench overlap` on simulated hosts; see BENCHMARKS.md).
    public static let defaultTransportBucketCapacityBytes = 4 << 20

    /// The synchronised parameters, in registration order.
    public let parameters: [Tensor]
    /// The ranks the gradients are averaged over.
    public let communicator: any Communicator
    /// The buckets, in the order they are all-reduced.
    public let buckets: [GradientBucket]
    /// Which ranks share a machine.
    public let hostLayout: HostLayout
    /// How the buckets are averaged (``summary`` says it in a line).
    public let path: GradientSyncPath

    /// Lays out the gradients of `parameters` in buckets and binds each parameter's gradient
    /// destination to its place there.
    ///
    /// A gradient the parameter already has is copied into its bucket, so nothing is lost.
    ///
    /// - Parameters:
    ///   - parameters: in registration order, each once; the same list on every rank.
    ///   - bucketCapacityBytes: the most gradient bytes in one bucket; a larger parameter
    ///     gets a bucket of its own. By default ``defaultBucketCapacityBytes`` in shared
    ///     memory and with compression, ``defaultTransportBucketCapacityBytes`` otherwise.
    ///   - sharedMemory: lay the buckets in memory the ranks share, when they all run on one
    ///     machine and the communicator offers it (``Communicator/makeSharedReductionBuffer(count:)``);
    ///     `false` always averages through the transport
    ///     (``Communicator/startAllReduceMean(_:into:)``).
    ///   - compression: how buckets travel; ``GradientCompression/bf16`` averages through
    ///     bfloat16 messages on any layout, never in shared memory, so that a run's numbers
    ///     do not depend on where its ranks are placed.
    public init(
        parameters: [Tensor], communicator: any Communicator,
        bucketCapacityBytes: Int? = nil, sharedMemory: Bool = true,
        compression: GradientCompression = .none
    ) {
        precondition(bucketCapacityBytes ?? 1 > 0, "bucketCapacityBytes must be positive, got \(bucketCapacityBytes ?? 0)")
        var seen = Set<ObjectIdentifier>()
        for (index, parameter) in parameters.enumerated() {
            precondition(seen.insert(ObjectIdentifier(parameter)).inserted,
                         "parameter \(index) (shape \(parameter.shape)) is listed twice for gradient sync")
        }
        self.parameters = parameters
        self.communicator = communicator
        hostLayout = communicator.hostLayout

        func reducedCount(_ indices: [Int]) -> Int { indices.reduce(0) { $0 + parameters[$1].count } + indices.count }
        var groups = Self.bucketLayout(parameters, capacityBytes: bucketCapacityBytes ?? Self.defaultBucketCapacityBytes)
        // The first bucket asks whether shared memory is offered; its answer holds for all.
        let firstShared = sharedMemory && compression == .none && !groups.isEmpty
            ? communicator.makeSharedReductionBuffer(count: reducedCount(groups[0])) : nil
        let throughTransport = firstShared == nil && compression == .none && communicator.worldSize > 1
        if throughTransport && bucketCapacityBytes == nil {
            groups = Self.bucketLayout(parameters, capacityBytes: Self.defaultTransportBucketCapacityBytes)
        }
        buckets = groups.enumerated().map { position, indices in
            let shared = position == 0 ? firstShared
                : firstShared != nil ? communicator.makeSharedReductionBuffer(count: reducedCount(indices)) : nil
            return GradientBucket(parameterIndices: indices, parameters: parameters, sharedBuffer: shared)
        }
        compressedExchanges = buckets.map { bucket in
            compression == .bf16 && communicator.worldSize > 1
                ? CompressedExchange(count: bucket.reducedElements.count, worldSize: communicator.worldSize) : nil
        }
        path = GradientSyncPath(layout: hostLayout, bucketsInSharedMemory: !buckets.isEmpty && buckets.allSatisfy(\.isInSharedMemory),
                                compression: compression)
        overlap = throughTransport && !buckets.isEmpty
            ? OverlappedReduction(buckets: buckets, parameters: parameters, communicator: communicator) { [unowned self] in
                self.prepare($0)
            } : nil
    }

    /// Parameter indices per bucket: reverse registration order, cut whenever the next
    /// gradient would overflow the bucket.
    private static func bucketLayout(_ parameters: [Tensor], capacityBytes: Int) -> [[Int]] {
        let capacity = max(1, capacityBytes / MemoryLayout<Float>.stride)
        var groups: [[Int]] = []
        var current: [Int] = []
        var filled = 0
        for index in parameters.indices.reversed() {
            let count = parameters[index].count
            if !current.isEmpty && filled + count > capacity {
                groups.append(current)
                current = []
                filled = 0
            }
            current.append(index)
            filled += count
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    /// Averages the buckets where they travel through the transport, during backward or not.
    private var overlap: OverlappedReduction?

    /// Whether ``overlapNextBackward()`` has an effect: the ranks average through the
    /// transport (not in shared memory, without compression).
    public var overlapsBackward: Bool { overlap != nil }

    /// Buckets whose reduction started while backward ran, since this sync was made.
    public var bucketsStartedDuringBackward: Int { overlap?.startedDuringBackward ?? 0 }

    /// Lets the next backward pass on this thread start each bucket's reduction as soon as it
    /// has written the bucket's last gradient; the next ``synchronize()`` waits for them.
    /// Call it before the backward pass whose gradients the next `synchronize()` averages,
    /// never before one that only accumulates (its gradients are not final), and on every
    /// rank alike. Between that backward and `synchronize()`, gradients may be read but
    /// not changed. Nothing happens where buckets lie in shared memory (faster there).
    public func overlapNextBackward() {
        overlap?.arm()
    }

    /// The layout and path in one line, e.g. "gradient sync: hierarchical, 2 hosts x 2 ranks, ...".
    public var summary: String { path.summary(layout: hostLayout) }

    /// Per bucket, the buffers of its bfloat16 averaging (with ``GradientCompression/bf16``).
    private let compressedExchanges: [CompressedExchange?]

    /// Averages every parameter's gradient over the ranks, in place in the buckets.
    ///
    /// Afterwards each parameter's ``Tensor/grad`` is its bucket view holding the mean over
    /// ranks (a rank without a gradient contributes zeros), or `nil` when no rank had one.
    ///
    /// Through the transport, one ``Communicator/startAllReduceMean(_:into:)`` per bucket
    /// (`MPI_Iallreduce`), in bucket order, and a wait for all; after
    /// ``overlapNextBackward()`` backward has started some or all of them already. A bucket
    /// in shared memory is summed and scaled in one pass by the ranks together instead.
    public func synchronize() {
        if let overlap {
            overlap.complete { finish($0) }
            return
        }
        for (bucket, compressed) in zip(buckets, compressedExchanges) {
            prepare(bucket)
            if let compressed {
                compressed.average(bucket.reducedElements, communicator: communicator)
            } else if let shared = bucket.sharedBuffer {
                // The flags are scaled too: a flag only matters as zero or not.
                shared.sumOverRanks(prefix: bucket.reducedElements.count, scale: 1 / Float(communicator.worldSize))
            } else {
                // The flags are averaged too (on two ranks inside the reduction itself).
                communicator.allReduceMean(bucket.reducedElements)
            }
            finish(bucket)
        }
    }

    /// Puts every gradient of `bucket` in place and sets its "has a gradient" flags.
    func prepare(_ bucket: GradientBucket) {
        let flags = bucket.flags
        for (slot, index) in bucket.parameterIndices.enumerated() {
            let parameter = parameters[index]
            let view = bucket.views[slot]
            if let grad = parameter.grad {
                if !(grad.storage === view.storage && grad.storageOffset == view.storageOffset) {
                    // The gradient was replaced by a tensor of its own: bring it into the bucket.
                    precondition(grad.count == view.count,
                                 "the gradient of parameter \(index) has shape \(grad.shape), not \(parameter.shape)")
                    view.assign(grad)
                }
                flags[slot] = 1
            } else {
                view.fill(0)
                flags[slot] = 0
            }
        }
    }

    /// Points each parameter's gradient at its averaged view, or at `nil` if no rank had one.
    private func finish(_ bucket: GradientBucket) {
        let flags = bucket.flags
        for (slot, index) in bucket.parameterIndices.enumerated() {
            let parameter = parameters[index]
            if flags[slot] == 0 {
                parameter.grad = nil
            } else if parameter.grad !== bucket.views[slot] {
                parameter.grad = bucket.views[slot]
            }
        }
    }
}

/// One flat buffer of gradients that a single all-reduce averages.
///
/// Layout: the gradients of ``parameterIndices`` one after the other (``offsets``), then one
/// "has a gradient" flag per parameter.
public final class GradientBucket {
    /// Indices into ``GradientSync/parameters``, in the order their gradients are laid out.
    public let parameterIndices: [Int]
    /// Where each parameter's gradient starts in the bucket, in elements.
    public let offsets: [Int]
    /// The number of gradient elements (the flags come after them).
    public let elementCount: Int
    /// The gradients followed by the flags.
    let storage: TensorStorage
    /// Each parameter's gradient view, shaped like the parameter.
    let views: [Tensor]
    /// The memory the ranks share that ``storage`` lies in, if any.
    let sharedBuffer: (any SharedReductionBuffer)?

    init(parameterIndices: [Int], parameters: [Tensor], sharedBuffer: (any SharedReductionBuffer)?) {
        self.parameterIndices = parameterIndices
        var offsets: [Int] = []
        var next = 0
        for index in parameterIndices {
            offsets.append(next)
            next += parameters[index].count
        }
        self.offsets = offsets
        elementCount = next
        let count = next + parameterIndices.count
        self.sharedBuffer = sharedBuffer
        let storage = sharedBuffer.map { TensorStorage(borrowing: $0.elements, count: count, owner: $0) }
            ?? TensorStorage(count: count)
        storage.base.update(repeating: 0, count: storage.count)
        self.storage = storage
        views = zip(parameterIndices, offsets).map { index, offset in
            Tensor(shape: parameters[index].shape, storage: storage, offset: offset)
        }
        for (slot, index) in parameterIndices.enumerated() {
            let parameter = parameters[index]
            let view = views[slot]
            if let grad = parameter.grad {
                precondition(grad.count == parameter.count,
                             "the gradient of parameter \(index) has shape \(grad.shape), not \(parameter.shape)")
                view.assign(grad)
                parameter.grad = view
            }
            parameter.gradDestination = view
        }
    }

    /// The "has a gradient" flags, one per parameter, after the gradients.
    var flags: UnsafeMutablePointer<Float> { storage.base + elementCount }

    /// Everything one all-reduce combines: the gradients and the flags.
    var reducedElements: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: storage.base, count: elementCount + parameterIndices.count)
    }

    /// Whether the bucket lies in memory the ranks share (averaged without MPI copies).
    public var isInSharedMemory: Bool { sharedBuffer != nil }

    /// The bytes one all-reduce of this bucket moves.
    public var byteCount: Int { (elementCount + parameterIndices.count) * MemoryLayout<Float>.stride }
}
