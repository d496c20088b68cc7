#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Something that follows backward passes as they run on this thread: told when a leaf's
/// gradient is final (no later operation of the pass adds to it) and after each operation.
///
/// Gradient synchronisation across machines watches backward this way: it starts averaging
/// a bucket as soon as every gradient in it is final, and moves the transfers on between
/// operations, so the network works while the rest of backward computes.
///
///     BackwardObservers.add(observer)
///     loss.backward()      // observer.gradientIsFinal(w) for each leaf w, as each is done
///     BackwardObservers.remove(observer)
public protocol BackwardObserver: AnyObject {
    /// A pass is about to run; `leaves` are the leaves whose gradient it may write (every
    /// other leaf's gradient is final for this pass already).
    func backwardWillRun(writing leaves: Set<ObjectIdentifier>)
    /// No operation of the running pass writes `leaf`'s gradient any more (it may still be
    /// `nil`, when no operation of the pass produced one).
    func gradientIsFinal(_ leaf: Tensor)
    /// One operation of the running pass has sent its gradient to its inputs.
    func operationFinished()
}

/// The ``BackwardObserver``s of the calling thread (ranks simulated on threads keep their own).
public enum BackwardObservers {
    private final class List {
        /// Held weakly: an observer that is gone (a sync dropped after an error) stops observing.
        var entries: [Weak] = []
    }

    private struct Weak {
        weak var observer: (any BackwardObserver)?
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<AnyObject>.fromOpaque(pointer).release() }
        }
        return key
    }()

    private static var list: List {
        if let existing = pthread_getspecific(key) {
            return Unmanaged<List>.fromOpaque(existing).takeUnretainedValue()
        }
        let made = List()
        pthread_setspecific(key, Unmanaged.passRetained(made).toOpaque())
        return made
    }

    /// The observers of this thread, in the order they were added.
    static var current: [any BackwardObserver] {
        guard let existing = pthread_getspecific(key) else { return [] }
        return Unmanaged<List>.fromOpaque(existing).takeUnretainedValue().entries.compactMap(\.observer)
    }

    /// Makes `observer` follow this thread's backward passes (once, however often it is
    /// added), until it is removed or released: the list does not keep it alive.
    public static func add(_ observer: any BackwardObserver) {
        let list = list
        list.entries.removeAll { $0.observer == nil }
        if !list.entries.contains(where: { $0.observer === observer }) { list.entries.append(Weak(observer: observer)) }
    }

    /// Stops `observer` following this thread's backward passes.
    public static func remove(_ observer: any BackwardObserver) {
        guard pthread_getspecific(key) != nil else { return }
        list.entries.removeAll { $0.observer == nil || $0.observer === observer }
    }
}

/// Counts, for one backward pass, the operations still to run that write each leaf's
/// gradient, and tells the observers when a leaf has none left: as soon as the last of them
/// has written it (``BackwardContext/withGradient(of:_:)``), before that operation's other
/// work, so that a reduction can start while, say, a linear layer computes its input's gradient.
final class GradientCompletion {
    private let observers: [any BackwardObserver]
    /// Per leaf that wants a gradient: the operations of the pass that have it as an input.
    private var remaining: [ObjectIdentifier: Int] = [:]

    /// Counts the leaf inputs of `operations` (the tensors backward will visit).
    init(observers: [any BackwardObserver], operations: [Tensor]) {
        self.observers = observers
        for tensor in operations {
            guard let function = tensor.gradFunction else { continue }
            for leaf in Self.leaves(of: function) { remaining[ObjectIdentifier(leaf), default: 0] += 1 }
        }
        let written = Set(remaining.keys)
        for observer in observers { observer.backwardWillRun(writing: written) }
    }

    /// The running operation, whose inputs are `inputs`, has written `leaf`'s gradient: final
    /// if no later operation writes it and this one does not again (`leaf` is one input only).
    func wrote(_ leaf: Tensor, among inputs: [Tensor]) {
        let key = ObjectIdentifier(leaf)
        // An operation's backward writes each input once (withGradient once per input index).
        precondition(!announced.contains(key), "a backward operation wrote a leaf's gradient twice (shape \(leaf.shape))")
        guard remaining[key] == 1, inputs.lazy.filter({ $0 === leaf }).count == 1 else { return }
        remaining[key] = nil
        announced.insert(key)
        for observer in observers { observer.gradientIsFinal(leaf) }
    }

    /// Leaves announced final by ``wrote(_:among:)``.
    private var announced = Set<ObjectIdentifier>()

    /// `function` has run (or was skipped, having received no gradient): its leaves have one
    /// writer fewer; those with none left are final.
    func finished(_ function: GradFunction) {
        for leaf in Self.leaves(of: function) {
            let key = ObjectIdentifier(leaf)
            guard let count = remaining[key] else { continue }
            if count > 1 {
                remaining[key] = count - 1
            } else {
                remaining[key] = nil
                for observer in observers { observer.gradientIsFinal(leaf) }
            }
        }
        for observer in observers { observer.operationFinished() }
    }

    /// The distinct inputs of `function` that are leaves wanting a gradient.
    private static func leaves(of function: GradFunction) -> [Tensor] {
        var found: [Tensor] = []
        for input in function.inputs where input.isLeaf && input.requiresGrad && !found.contains(where: { $0 === input }) {
            found.append(input)
        }
        return found
    }
}
