import DDPDistributed
import DDPTensor

/// Averages each optimizer's gradients over the ranks, and remembers which optimizers'
/// gradients are averaged since the last backward pass, so that a step does not average
/// them twice. One ``GradientSync`` per optimizer over its parameters, so a step averages
/// only what it updates; one shared sync when optimizers share parameters; none in a world
/// of one (every call is then a no-op).
final class GradientSynchronization {
    /// Per optimizer: its gradient sync (`nil` in a world of one).
    private let syncs: [GradientSync?]
    /// Per optimizer: whether its gradients have been averaged since the last backward.
    private var synced: [Bool]

    /// Nothing to synchronise (before the first `fit`).
    init() {
        syncs = []
        synced = []
    }

    /// The syncs of `optimizerParameters` (one list per optimizer), each laid out in the
    /// module's `registrationOrder`; none when `communicator` is a world of one.
    init(optimizerParameters perOptimizer: [[Tensor]], registrationOrder: [Tensor],
         communicator: any Communicator, compression: GradientCompression) {
        synced = Array(repeating: false, count: perOptimizer.count)
        guard communicator.worldSize > 1 else {
            syncs = Array(repeating: nil, count: perOptimizer.count)
            return
        }
        var position: [ObjectIdentifier: Int] = [:]
        for (index, parameter) in registrationOrder.enumerated() { position[ObjectIdentifier(parameter)] = index }
        func ordered(_ parameters: [Tensor]) -> [Tensor] {
            // Parameters outside the module keep the optimizer's order, after the module's.
            parameters.enumerated().sorted {
                (position[ObjectIdentifier($0.element)] ?? registrationOrder.count + $0.offset,
                 $0.offset) < (position[ObjectIdentifier($1.element)] ?? registrationOrder.count + $1.offset, $1.offset)
            }.map(\.element)
        }
        let total = perOptimizer.map(\.count).reduce(0, +)
        let distinct = Set(perOptimizer.joined().map(ObjectIdentifier.init)).count
        if distinct == total {
            syncs = perOptimizer.map {
                GradientSync(parameters: ordered($0), communicator: communicator, compression: compression)
            }
        } else {
            var seen = Set<ObjectIdentifier>()
            let union = perOptimizer.joined().filter { seen.insert(ObjectIdentifier($0)).inserted }
            let shared = GradientSync(parameters: ordered(union), communicator: communicator, compression: compression)
            syncs = Array(repeating: shared, count: perOptimizer.count)
        }
    }

    /// How the gradients are averaged, in one line (`nil` in a world of one): every sync of
    /// a run takes the same path, so the first one's.
    var summary: String? { syncs.lazy.compactMap { $0 }.first?.summary }

    /// Averages the gradients of optimizer `index` over the ranks (a collective), and marks
    /// every optimizer sharing that sync as averaged.
    func synchronize(_ index: Int) {
        guard let sync = syncs[index] else { return }
        sync.synchronize()
        for other in syncs.indices where syncs[other] === sync { synced[other] = true }
    }

    /// The next backward pass is the last before optimizer `index`'s gradients are averaged:
    /// across machines, its buckets may start averaging while it runs.
    func overlapNextBackward(_ index: Int) {
        syncs[index]?.overlapNextBackward()
    }

    /// Averages optimizer `index`'s gradients unless they are averaged already.
    func synchronizeIfNeeded(_ index: Int) {
        if !synced[index] { synchronize(index) }
    }

    /// A backward pass changed the gradients: none are averaged any more.
    func gradientsChanged() {
        for index in synced.indices { synced[index] = false }
    }

    /// Optimizer `index` stepped: its next step averages again.
    func stepped(_ index: Int) {
        synced[index] = false
    }
}
