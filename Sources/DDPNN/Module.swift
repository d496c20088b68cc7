import DDPTensor

/// A network or a part of one: it owns named parameters, named buffers and child modules.
///
/// Names and their order follow PyTorch's `state_dict`: a module's own parameters, then its
/// own buffers, then each child's entries prefixed with the child's name (`encoder.0.weight`).
/// A subclass lists what it owns by overriding ``namedChildren``, ``namedLocalParameters``
/// and ``namedLocalBuffers``:
///
///     final class TwoLayer: Module, Layer {
///         let hidden: Linear, output: Linear
///         init(using generator: inout RandomGenerator) {
///             hidden = Linear(4, 8, using: &generator)
///             output = Linear(8, 3, using: &generator)
///         }
///         override var namedChildren: [(String, Module)] { [("hidden", hidden), ("output", output)] }
///         func callAsFunction(_ x: Tensor) -> Tensor { output(hidden(x).relu()) }
///     }
open class Module {
    /// `true` in training mode (the default), `false` after ``eval()``.
    public private(set) var isTraining = true

    /// What is running this module's hooks, linked by it for that time (a `Trainer` during
    /// `fit` and `validate`, as Lightning's `module.trainer`); `nil` otherwise.
    public weak var runner: AnyObject?

    public init() {}

    /// Direct children, in registration order.
    open var namedChildren: [(String, Module)] { [] }

    /// Parameters owned by this module itself (not its children), in registration order.
    open var namedLocalParameters: [(String, Tensor)] { [] }

    /// Buffers (state that is saved but not trained, like running means) owned by this module.
    open var namedLocalBuffers: [(String, Tensor)] { [] }

    /// Every parameter under its dotted name, each tensor once.
    public final func namedParameters() -> [(name: String, tensor: Tensor)] {
        var seen = Set<ObjectIdentifier>()
        return collect(\.namedLocalParameters).filter { seen.insert(ObjectIdentifier($0.tensor)).inserted }
    }

    /// Every parameter, each once, in registration order.
    public final func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

    /// This module and every module below it, each before its children (as PyTorch's `modules()`).
    public final func modules() -> [Module] {
        var found: [Module] = []
        visit(prefix: "") { _, module in found.append(module) }
        return found
    }

    /// Every buffer under its dotted name.
    public final func namedBuffers() -> [(name: String, tensor: Tensor)] { collect(\.namedLocalBuffers) }

    /// Parameters and buffers under their PyTorch `state_dict` names, in PyTorch's order.
    public final func stateDict() -> [(name: String, tensor: Tensor)] {
        var entries: [(name: String, tensor: Tensor)] = []
        visit(prefix: "") { prefix, module in
            for (name, tensor) in module.namedLocalParameters + module.namedLocalBuffers {
                entries.append((prefix + name, tensor))
            }
        }
        return entries
    }

    /// Copies values from `stateDict` into this module's parameters and buffers, in place
    /// (so optimizers holding the parameters keep working).
    ///
    /// - Parameter strict: when `true`, a missing or unexpected name is an error; shapes must
    ///   always match.
    /// - Throws: ``StateDictError`` listing every missing, unexpected and mis-shaped entry;
    ///   nothing is copied unless the whole dictionary fits.
    public final func load(stateDict: [String: Tensor], strict: Bool = true) throws {
        let own = self.stateDict()
        let ownNames = Set(own.map(\.name))
        let missing = own.map(\.name).filter { stateDict[$0] == nil }
        let unexpected = stateDict.keys.filter { !ownNames.contains($0) }.sorted()
        let mismatched = own.compactMap { entry -> StateDictError.Mismatch? in
            guard let given = stateDict[entry.name], given.shape != entry.tensor.shape else { return nil }
            return .init(name: entry.name, expected: entry.tensor.shape, found: given.shape)
        }
        if !mismatched.isEmpty || (strict && (!missing.isEmpty || !unexpected.isEmpty)) {
            throw StateDictError(missing: strict ? missing : [], unexpected: strict ? unexpected : [],
                                 mismatched: mismatched)
        }
        for entry in own {
            if let given = stateDict[entry.name] { entry.tensor.assign(given) }
        }
    }

    /// Switches this module and its children to training mode (or evaluation mode if `false`).
    public final func train(_ on: Bool = true) {
        visit(prefix: "") { _, module in module.isTraining = on }
    }

    /// Switches to evaluation mode: dropout off, batch norm uses its running statistics.
    public final func eval() { train(false) }

    /// Turns gradients on or off for every parameter (off freezes the module).
    public final func setRequiresGrad(_ on: Bool) {
        for parameter in parameters() { parameter.requiresGrad = on }
    }

    /// The number of scalar parameters.
    public final var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    private func collect(_ local: KeyPath<Module, [(String, Tensor)]>) -> [(name: String, tensor: Tensor)] {
        var entries: [(name: String, tensor: Tensor)] = []
        visit(prefix: "") { prefix, module in
            for (name, tensor) in module[keyPath: local] { entries.append((prefix + name, tensor)) }
        }
        return entries
    }

    /// Pre-order walk: a module before its children, as PyTorch's `named_modules`.
    private func visit(prefix: String, _ body: (String, Module) -> Void) {
        body(prefix, self)
        for (name, child) in namedChildren { child.visit(prefix: prefix + name + ".", body) }
    }
}

/// A module that maps one tensor to one tensor, so it can be chained in a ``Sequential``.
public protocol Layer: Module {
    func callAsFunction(_ input: Tensor) -> Tensor
}

/// Why a state dictionary does not fit a module, listing every offending entry.
public struct StateDictError: Error, CustomStringConvertible, Equatable {
    public struct Mismatch: Equatable, Sendable {
        public let name: String
        public let expected: [Int]
        public let found: [Int]
        public init(name: String, expected: [Int], found: [Int]) {
            self.name = name
            self.expected = expected
            self.found = found
        }
    }

    public let missing: [String]
    public let unexpected: [String]
    public let mismatched: [Mismatch]

    public init(missing: [String], unexpected: [String], mismatched: [Mismatch]) {
        self.missing = missing
        self.unexpected = unexpected
        self.mismatched = mismatched
    }

    public var description: String {
        var parts: [String] = []
        if !missing.isEmpty { parts.append("missing \(missing.joined(separator: ", "))") }
        if !unexpected.isEmpty { parts.append("unexpected \(unexpected.joined(separator: ", "))") }
        if !mismatched.isEmpty {
            parts.append("wrong shape " + mismatched.map { "\($0.name) (model \($0.expected), given \($0.found))" }
                .joined(separator: ", "))
        }
        return "state dict does not match the model: " + parts.joined(separator: "; ")
    }
}
