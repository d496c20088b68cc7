import DDPTensor

/// Copies rank 0's buffers (BatchNorm running statistics, ...) to every rank in one
/// broadcast of their packed bytes, as PyTorch DDP's `broadcast_buffers` does.
///
/// In training each replica moves its running statistics towards its own batch's, so
/// without this they drift apart; broadcasting rank 0's keeps every replica holding what
/// rank 0 holds, which is what one process would have computed on rank 0's batches.
///
///     let broadcast = BufferBroadcast(buffers: model.namedBuffers().map(\.tensor), communicator: comm)
///     loss.backward(); sync.synchronize(); optimizer.step()
///     broadcast.broadcast()     // a collective: every rank calls it at the same points
public final class BufferBroadcast {
    /// The buffers kept identical, in registration order.
    public let buffers: [Tensor]
    public let communicator: any Communicator
    private var packed: [Float]

    public init(buffers: [Tensor], communicator: any Communicator) {
        self.buffers = buffers
        self.communicator = communicator
        packed = Array(repeating: 0, count: buffers.reduce(0) { $0 + $1.count })
    }

    /// Overwrites every rank's buffers with rank `root`'s.
    public func broadcast(from root: Int = 0) {
        guard communicator.worldSize > 1, !packed.isEmpty else { return }
        let isRoot = communicator.rank == root
        packed.withUnsafeMutableBufferPointer { flat in
            var offset = 0
            if isRoot {
                for buffer in buffers {
                    (flat.baseAddress! + offset).update(from: buffer.data, count: buffer.count)
                    offset += buffer.count
                }
            }
            communicator.broadcast(UnsafeMutableRawBufferPointer(flat), root: root)
            guard !isRoot else { return }
            offset = 0
            for buffer in buffers {
                buffer.data.update(from: flat.baseAddress! + offset, count: buffer.count)
                offset += buffer.count
            }
        }
    }
}
