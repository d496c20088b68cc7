import DDPDistributed
import DDPOptim
import DDPTensor

/// One optimizer under ``Strategy/zero1``: this rank keeps the state of the parameters it
/// owns (``ZeroRedundancyPartition``) and updates only those; after each step every owner
/// sends its updated parameters to every rank.
///
/// The optimizer keeps all its param groups with all their parameters and options, so a
/// scheduler or a hook that changes `lr` changes it for the owned parameters too, and state
/// dicts keep their indices. A step hides the gradients of the parameters other ranks own
/// (the update skips a parameter without a gradient, as in `torch.optim`, so it neither
/// creates nor reads their state) and gives them back afterwards. The gradients were
/// averaged over all ranks before, exactly as under ``Strategy/ddp``, so the owner computes
/// the update every rank would have computed: the weights end bit for bit the same.
///
///     let shard = try ZeroRedundancyShard(adam, communicator: comm)
///     loss.backward(); sync.synchronize()
///     try shard.step()          // a collective: every rank calls it
public final class ZeroRedundancyShard {
    public let optimizer: any Optimizer
    public let communicator: any Communicator
    /// Who owns what, for the optimizer's groups as they were at the last step.
    public private(set) var partition: ZeroRedundancyPartition
    /// The optimizer's parameters in state-dict order, and each one's owner.
    private var parameters: [Tensor]
    private var owners: [Int]
    /// Gradients hidden from the optimizer during a step.
    private var hiddenGradients: [(parameter: Tensor, gradient: Tensor)] = []
    /// Where small parameters are packed to travel together.
    private var packing: [Float] = []

    /// Parameters of fewer elements than this are packed with others into one broadcast
    /// (4 MiB); larger ones travel in place.
    public static let packedBroadcastCapacity = 1 << 20

    /// - Throws: ``TrainerError`` for an optimizer whose step needs every parameter (L-BFGS).
    public init(_ optimizer: any Optimizer, communicator: any Communicator) throws {
        if optimizer is LBFGS {
            throw TrainerError("strategy zero1 shards the optimizer state parameter by parameter, but LBFGS keeps one state over all parameters and re-evaluates the loss: use strategy ddp with LBFGS")
        }
        self.optimizer = optimizer
        self.communicator = communicator
        parameters = []
        owners = []
        partition = ZeroRedundancyPartition(groupSizes: [], worldSize: communicator.worldSize)
        refreshPartition()
    }

    /// The parameters this rank owns, in state-dict order.
    public var ownedParameters: [Tensor] {
        zip(parameters, owners).filter { $0.1 == communicator.rank }.map(\.0)
    }

    /// Partitions the optimizer's parameters again if its groups changed (a group added).
    private func refreshPartition() {
        let current = optimizer.allParameters
        guard current.count != parameters.count || zip(current, parameters).contains(where: { $0 !== $1 }) else { return }
        partition = ZeroRedundancyPartition(groupSizes: optimizer.paramGroups.map { $0.params.map(\.count) },
                                            worldSize: communicator.worldSize)
        parameters = current
        owners = Array(partition.owners.joined())
    }

    /// Steps the optimizer on this rank's parameters, then brings every owner's parameters
    /// to every rank. `closure`, if any, runs first and sees every gradient (clipping there
    /// reads the global norm). A collective.
    @discardableResult
    public func step(closure: (() throws -> Float)? = nil) throws -> Float? {
        refreshPartition()
        defer { restoreGradients() }
        let loss: Float?
        if let closure {
            loss = try optimizer.step(closure: { [unowned self] in
                let loss = try closure()
                hideForeignGradients()
                return loss
            })
        } else {
            hideForeignGradients()
            loss = try optimizer.step(closure: nil)
        }
        broadcastParameters()
        return loss
    }

    private func hideForeignGradients() {
        for (parameter, owner) in zip(parameters, owners) where owner != communicator.rank {
            if let gradient = parameter.grad {
                hiddenGradients.append((parameter, gradient))
                parameter.grad = nil
            }
        }
    }

    private func restoreGradients() {
        for (parameter, gradient) in hiddenGradients { parameter.grad = gradient }
        hiddenGradients = []
    }

    /// Copies each parameter from its owner to every rank: large parameters in place, small
    /// ones packed together. A collective.
    public func broadcastParameters() {
        guard communicator.worldSize > 1 else { return }
        for owner in 0..<communicator.worldSize {
            var pending: [Tensor] = []
            var filled = 0
            for (parameter, parameterOwner) in zip(parameters, owners) where parameterOwner == owner {
                if parameter.count >= Self.packedBroadcastCapacity {
                    communicator.broadcast(parameter, root: owner)
                    continue
                }
                if filled + parameter.count > Self.packedBroadcastCapacity {
                    broadcastPacked(pending, count: filled, from: owner)
                    pending = []
                    filled = 0
                }
                pending.append(parameter)
                filled += parameter.count
            }
            broadcastPacked(pending, count: filled, from: owner)
        }
    }

    private func broadcastPacked(_ tensors: [Tensor], count: Int, from owner: Int) {
        guard count > 0 else { return }
        if packing.count < count { packing = [Float](repeating: 0, count: count) }
        let isOwner = communicator.rank == owner
        packing.withUnsafeMutableBufferPointer { flat in
            var offset = 0
            if isOwner {
                for tensor in tensors {
                    (flat.baseAddress! + offset).update(from: tensor.data, count: tensor.count)
                    offset += tensor.count
                }
            }
            communicator.broadcast(UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(flat)[..<(count * 4)]),
                                   root: owner)
            guard !isOwner else { return }
            offset = 0
            for tensor in tensors {
                tensor.data.update(from: flat.baseAddress! + offset, count: tensor.count)
                offset += tensor.count
            }
        }
    }

    /// Forgets the state of parameters other ranks own (after loading a whole state dict).
    public func dropForeignState() {
        refreshPartition()
        let rank = communicator.rank
        let foreign = Set(zip(parameters, owners).filter { $0.1 != rank }.map { ObjectIdentifier($0.0) })
        optimizer.state = optimizer.state.filter { !foreign.contains($0.key) }
    }

    /// Loads a whole state dict (of any strategy and number of ranks) and keeps this rank's share.
    public func load(stateDict: OptimizerStateDict) throws {
        try optimizer.load(stateDict: stateDict)
        dropForeignState()
    }

    /// The optimizer's whole state dict on rank 0, each parameter's state from its owner, as
    /// one process would have it; this rank's share elsewhere. A collective: each rank in
    /// turn broadcasts its share, which rank 0 merges.
    public func gatheredStateDict() throws -> OptimizerStateDict {
        refreshPartition()
        let rank = communicator.rank
        var own = optimizer.stateDict()
        own.state = own.state.filter { owners.indices.contains($0.key) && owners[$0.key] == rank }
        guard communicator.worldSize > 1 else { return own }
        var whole = own
        for source in 1..<communicator.worldSize {
            var bytes = rank == source ? try OptimizerStateBytes.encode(own) : []
            var length = UInt64(bytes.count)
            withUnsafeMutableBytes(of: &length) { communicator.broadcast($0, root: source) }
            if rank != source { bytes = [UInt8](repeating: 0, count: Int(length)) }
            bytes.withUnsafeMutableBytes { communicator.broadcast($0, root: source) }
            guard rank == 0 else { continue }
            for (index, entry) in try OptimizerStateBytes.decode(bytes).state where owners[index] == source {
                whole.state[index] = entry
            }
        }
        return rank == 0 ? whole : own
    }
}
