import DDPTensor

/// Lightning's optimizer toggling: while one optimizer trains, the parameters of the others
/// stop requiring gradients, so a backward pass leaves them alone. The trainer toggles in
/// automatic optimization with several optimizers; a module toggles itself in manual
/// optimization (``TrainingModule/toggleOptimizer(_:)``).
final class OptimizerToggling {
    /// Per optimizer: the parameters of the other optimizers, which toggling freezes.
    private var parametersOutside: [[Tensor]] = []
    /// The parameters toggling froze, with whether each required gradients before.
    private var frozen: [(Tensor, Bool)] = []

    /// Learns which parameters each optimizer does not own (at the start of every `fit`).
    func prepare(optimizerParameters all: [[Tensor]]) {
        parametersOutside = all.indices.map { index in
            let own = Set(all[index].map(ObjectIdentifier.init))
            var seen = Set<ObjectIdentifier>()
            return all.joined().filter { !own.contains(ObjectIdentifier($0)) && seen.insert(ObjectIdentifier($0)).inserted }
        }
    }

    /// Stops the parameters of the optimizers other than `index` from requiring gradients.
    func toggle(_ index: Int) {
        untoggle()
        for parameter in parametersOutside[index] {
            frozen.append((parameter, parameter.requiresGrad))
            parameter.requiresGrad = false
        }
    }

    /// Restores what ``toggle(_:)`` changed.
    func untoggle() {
        for (parameter, required) in frozen.reversed() { parameter.requiresGrad = required }
        frozen.removeAll(keepingCapacity: true)
    }
}
