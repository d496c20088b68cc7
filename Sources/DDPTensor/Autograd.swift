/// A recorded operation: the tensors it read and how to send its output's gradient to them.
final class GradFunction {
    let name: String
    let inputs: [Tensor]
    /// Released after the first backward pass unless the graph is retained.
    var backward: ((BackwardContext) -> Void)?

    init(name: String, inputs: [Tensor], backward: @escaping (BackwardContext) -> Void) {
        self.name = name
        self.inputs = inputs
        self.backward = backward
    }
}

/// What an operation's backward closure sees: the gradient of its output, and a way to
/// add into the gradient of each of its inputs.
///
/// Gradients are *accumulated*: `withGradient(of:)` hands over the input's gradient buffer
/// and says whether it already holds a value (add to it) or is fresh (overwrite it). Kernels
/// such as sgemm use that directly as their `beta`, so no temporary is made.
public struct BackwardContext {
    /// The gradient of the loss with respect to the operation's output.
    public let gradOutput: Tensor
    let inputs: [Tensor]
    /// Told when a leaf's gradient is written for the last time in the pass (when observed).
    var completion: GradientCompletion? = nil

    /// Whether input `index` wants a gradient.
    public func needsGrad(_ index: Int) -> Bool { inputs[index].requiresGrad }

    /// Calls `body` with input `index`'s gradient buffer (as many elements as the input) and
    /// `accumulate`: `false` when the buffer is fresh and must be overwritten, `true` when
    /// `body` must add to it. Does nothing if the input needs no gradient.
    public func withGradient(
        of index: Int, _ body: (_ gradient: UnsafeMutablePointer<Float>, _ accumulate: Bool) -> Void
    ) {
        let input = inputs[index]
        guard input.requiresGrad else { return }
        if input.isLeaf {
            if let grad = input.grad {
                body(grad.data, true)
            } else {
                let grad: Tensor
                if let destination = input.gradDestination, destination.count == input.count {
                    grad = destination.shape == input.shape
                        ? destination
                        : Tensor(shape: input.shape, storage: destination.storage, offset: destination.storageOffset)
                } else {
                    grad = Tensor(uninitializedShape: input.shape)
                }
                body(grad.data, false)
                input.grad = grad
            }
            completion?.wrote(input, among: inputs)
        } else if let pending = input.pendingGrad {
            body(pending.data, true)
        } else {
            let pending = Tensor(uninitializedShape: input.shape)
            body(pending.data, false)
            input.pendingGrad = pending
        }
    }

    /// Adds `gradient` (with as many elements as input `index`) into that input's gradient.
    public func accumulate(_ gradient: Tensor, into index: Int) {
        precondition(gradient.count == inputs[index].count,
                     "gradient of shape \(gradient.shape) does not match input of shape \(inputs[index].shape)")
        withGradient(of: index) { destination, accumulate in
            let source = gradient.data
            if accumulate {
                for i in 0..<gradient.count { destination[i] += source[i] }
            } else {
                destination.update(from: source, count: gradient.count)
            }
        }
    }
}

extension Tensor {
    /// Records `result` as computed from `inputs`, so that a later backward pass calls
    /// `backward` with its gradient. Returns `result`.
    ///
    /// Nothing is recorded inside ``noGrad(_:)`` or when no input requires a gradient.
    /// This is how every differentiable operation is written; see `Arithmetic.swift`.
    @discardableResult
    public static func record(
        _ result: Tensor, name: String, inputs: [Tensor],
        backward: @escaping (BackwardContext) -> Void
    ) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return result }
        result.gradFunction = GradFunction(name: name, inputs: inputs, backward: backward)
        result._setRequiresGradForResult()
        return result
    }

    /// Computes the gradient of this tensor with respect to every leaf that requires one,
    /// adding it into their ``grad`` (gradients accumulate until they are zeroed).
    ///
    /// - Parameters:
    ///   - gradient: the gradient of the final objective with respect to this tensor; may be
    ///     omitted for a one-element tensor, where it is 1.
    ///   - retainGraph: keep the recorded graph so that backward can run through it again.
    public func backward(gradient: Tensor? = nil, retainGraph: Bool = false) {
        precondition(requiresGrad,
                     "backward() on a tensor that does not require grad: no parameter it depends on requires a gradient")
        let seed: Tensor
        if let gradient {
            precondition(gradient.count == count, "backward gradient of shape \(gradient.shape) does not match \(shape)")
            seed = gradient
        } else {
            precondition(count == 1, "backward() without a gradient needs a one-element tensor, not shape \(shape)")
            seed = Tensor([1], shape: shape)
        }
        noGrad {
            if isLeaf {
                BackwardContext(gradOutput: seed, inputs: [self]).accumulate(seed, into: 0)
                return
            }
            pendingGrad = seed.copy()
            let order = topologicalOrder()
            // Only when someone watches (gradient sync across machines): which leaf gradients are final.
            let observers = BackwardObservers.current
            let completion = observers.isEmpty ? nil : GradientCompletion(observers: observers, operations: order)
            for tensor in order.reversed() {
                guard let function = tensor.gradFunction else { continue }
                defer { completion?.finished(function) }
                guard let gradOutput = tensor.pendingGrad else { continue }
                tensor.pendingGrad = nil
                guard let run = function.backward else {
                    fatalError("backward through the graph a second time: its buffers were freed after the first pass; pass retainGraph: true to the first backward")
                }
                run(BackwardContext(gradOutput: gradOutput, inputs: function.inputs, completion: completion))
                if !retainGraph { function.backward = nil }
            }
        }
    }

    /// Non-leaf tensors reachable from `self`, each after all the tensors it depends on.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        // Iterative depth-first search: deep graphs must not exhaust the stack.
        var stack: [(tensor: Tensor, next: Int)] = [(self, 0)]
        visited.insert(ObjectIdentifier(self))
        while let (tensor, next) = stack.last {
            let inputs = tensor.gradFunction?.inputs ?? []
            if next < inputs.count {
                stack[stack.count - 1].next += 1
                let input = inputs[next]
                if input.gradFunction != nil, visited.insert(ObjectIdentifier(input)).inserted {
                    stack.append((input, 0))
                }
            } else {
                stack.removeLast()
                order.append(tensor)
            }
        }
        return order
    }
}
