import DDPTensor

/// An algorithm that updates parameters from their gradients, with `torch.optim`'s model:
/// parameters come in groups, each group with its own hyper-parameters; state is kept per
/// parameter and created on first use; `step(closure:)` may re-evaluate the loss.
///
/// A custom optimizer holds an `OptimizerStorage` (its defaults, groups and state) and
/// supplies a per-parameter update; the protocol extension does the bookkeeping (groups,
/// state, zeroing, state dicts). The plain gradient-descent optimizer of Lightning's
/// "customizing optimizers" guide, `p ← p − lr·∇p`, is:
///
///     final class PlainGradientDescent: Optimizer {
///         var storage: OptimizerStorage
///
///         init(_ parameters: [Tensor], lr: Double = 1e-3) throws {
///             storage = OptimizerStorage(defaults: ["lr": .number(lr)])
///             try addInitialGroups(Tensor.paramGroups(from: parameters))
///         }
///
///         func update(_ parameter: Tensor, gradient: Tensor,
///                     state: inout ParameterState, group: ParamGroup) throws {
///             let lr = Float(group.lr), p = parameter.data, g = gradient.data
///             for i in 0..<parameter.count { p[i] -= lr * g[i] }
///         }
///     }
///
/// Steps run outside autograd; the closure, if any, runs with recording on.
public protocol Optimizer: AnyObject {
    /// The name recorded in state dicts; by default the type's name (`"Adam"`).
    var typeName: String { get }
    /// The defaults, parameter groups and per-parameter state (read them through
    /// `defaults`, `paramGroups` and `state`).
    var storage: OptimizerStorage { get set }

    /// Throws if a group's options are out of range (called when a group is added or loaded).
    func validate(_ options: [String: HyperParameter]) throws
    /// Updates one parameter in place from its gradient (used by the default `step`).
    func update(_ parameter: Tensor, gradient: Tensor, state: inout ParameterState, group: ParamGroup) throws
    /// Runs `closure` (if any) with autograd on, updates every parameter that has a
    /// gradient, and returns the closure's loss.
    @discardableResult
    func step(closure: (() throws -> Float)?) throws -> Float?
    /// Clears gradients: drops them (`setToNone`, the default) or fills them with zeros.
    func zeroGrad(setToNone: Bool)
    /// Adds a group; options it leaves out come from `defaults`.
    func addParamGroup(_ group: ParamGroup) throws
    /// The groups' options and every parameter's state (deep copies).
    func stateDict() -> OptimizerStateDict
    /// Restores groups' options and state saved by `stateDict()` of the same optimizer type.
    func load(stateDict: OptimizerStateDict) throws
}

/// Option names any group may hold besides an optimizer's defaults: `initial_lr` is
/// written by LR schedulers, as in torch.
let schedulerOptionNames: Set<String> = ["initial_lr"]

extension Optimizer {
    public var typeName: String { String(describing: type(of: self)) }

    /// Every hyper-parameter the optimizer knows, with its default value.
    public var defaults: [String: HyperParameter] { storage.defaults }

    /// The parameter groups, in the order they were added.
    public var paramGroups: [ParamGroup] {
        get { storage.paramGroups }
        set { storage.paramGroups = newValue }
    }

    /// Per-parameter state, keyed by the parameter's identity.
    public var state: [ObjectIdentifier: ParameterState] {
        get { storage.state }
        set { storage.state = newValue }
    }

    /// The check every optimizer shares: a non-negative learning rate.
    public func validate(_ options: [String: HyperParameter]) throws {
        try validateLearningRate(options)
    }

    public func validateLearningRate(_ options: [String: HyperParameter]) throws {
        guard let lr = options["lr"]?.doubleValue else {
            throw OptimizerError("\(typeName): 'lr' must be a number, found \(String(describing: options["lr"]))")
        }
        try OptimizerError.require(lr >= 0, "\(typeName): invalid learning rate \(lr): use lr >= 0")
    }

    /// Checks that every option has the kind of value its default has (a number where a
    /// number is expected, ...), then runs `validate`: the check before every use of a
    /// group, since hooks and schedulers may change options between steps.
    public func checkOptions(_ options: [String: HyperParameter]) throws {
        for (name, value) in defaults.sorted(by: { $0.key < $1.key }) where options[name] == nil {
            throw OptimizerError("\(typeName): hyper-parameter '\(name)' is missing from a param group: set it (the default is \(value))")
        }
        for (name, value) in options {
            let known: HyperParameter? = schedulerOptionNames.contains(name) ? .number(0) : defaults[name]
            guard let expected = known else { continue }
            let matches: Bool
            switch (expected, value) {
            case (.number, .number), (.flag, .flag), (.numbers, .numbers), (.text, .text), (.null, .null),
                 (.null, .text), (.text, .null):
                matches = true
            default:
                matches = false
            }
            try OptimizerError.require(matches,
                "\(typeName): hyper-parameter '\(name)' is \(value), but it takes a value like its default \(expected): set it to that kind of value")
        }
        try validate(options)
    }

    @discardableResult
    public func step(closure: (() throws -> Float)?) throws -> Float? {
        for group in paramGroups { try checkOptions(group.options) }
        var loss: Float?
        if let closure { loss = try enableGrad { try closure() } }
        try noGrad {
            for group in paramGroups {
                for parameter in group.params {
                    guard let gradient = parameter.grad else { continue }
                    // The entry is taken out while `update` runs, so that `update` may read
                    // the optimizer (its defaults, its groups) without overlapping accesses.
                    let key = ObjectIdentifier(parameter)
                    var entry = storage.state.removeValue(forKey: key) ?? ParameterState()
                    defer { storage.state[key] = entry }
                    try update(parameter, gradient: gradient, state: &entry, group: group)
                }
            }
        }
        return loss
    }

    /// One step without a closure.
    public func step() throws { try step(closure: nil) }

    /// Drops every gradient (`zeroGrad(setToNone: true)`).
    public func zeroGrad() { zeroGrad(setToNone: true) }

    public func zeroGrad(setToNone: Bool) {
        for group in paramGroups {
            for parameter in group.params {
                if setToNone { parameter.grad = nil } else { parameter.grad?.fill(0) }
            }
        }
    }

    public func addParamGroup(_ group: ParamGroup) throws { try appendGroup(group) }

    /// The bookkeeping of `addParamGroup`: checks names, duplicates and ranges, fills
    /// defaults, appends. A type that overrides `addParamGroup` calls this.
    public func appendGroup(_ group: ParamGroup) throws {
        try OptimizerError.require(!group.params.isEmpty, "\(typeName): a param group has no parameters: pass at least one tensor")
        for name in group.options.keys where defaults[name] == nil && !schedulerOptionNames.contains(name) {
            let known = defaults.keys.sorted().joined(separator: ", ")
            throw OptimizerError("\(typeName): unknown hyper-parameter '\(name)': use one of \(known)")
        }
        var seen = Set(paramGroups.flatMap { $0.params.map(ObjectIdentifier.init) })
        for parameter in group.params {
            try OptimizerError.require(parameter.isLeaf, "\(typeName): can't optimize a non-leaf tensor: pass parameters, not results of operations")
            try OptimizerError.require(seen.insert(ObjectIdentifier(parameter)).inserted,
                "\(typeName): a parameter appears in more than one param group (or twice in one): list each parameter once")
        }
        var filled = group
        for (name, value) in defaults where filled.options[name] == nil { filled.options[name] = value }
        try checkOptions(filled.options)
        storage.paramGroups.append(filled)
    }

    /// Checks the defaults, then adds `groups`: what every optimizer's initialiser does.
    public func addInitialGroups(_ groups: [ParamGroup]) throws {
        try OptimizerError.require(groups.contains { !$0.params.isEmpty }, "\(typeName): got an empty parameter list: pass the parameters to optimize")
        try checkOptions(defaults)
        for group in groups { try addParamGroup(group) }
    }

    /// Every parameter in group order: the indices state dicts use.
    public var allParameters: [Tensor] { paramGroups.flatMap(\.params) }

    public func stateDict() -> OptimizerStateDict {
        var index = 0
        var records: [OptimizerStateDict.GroupRecord] = []
        var saved: [Int: ParameterState] = [:]
        for group in paramGroups {
            var indices: [Int] = []
            for parameter in group.params {
                if let entry = state[ObjectIdentifier(parameter)], !entry.isEmpty {
                    saved[index] = ParameterState(entry.values.mapValues { $0.copied() })
                }
                indices.append(index)
                index += 1
            }
            records.append(.init(options: group.options, params: indices))
        }
        return OptimizerStateDict(optimizerType: typeName, state: saved, paramGroups: records)
    }

    public func load(stateDict: OptimizerStateDict) throws {
        try OptimizerError.require(stateDict.optimizerType == typeName,
            "cannot load a \(stateDict.optimizerType) state dict into \(typeName): load it into a \(stateDict.optimizerType)")
        try OptimizerError.require(stateDict.paramGroups.count == paramGroups.count,
            "\(typeName) state dict has \(stateDict.paramGroups.count) param groups, the optimizer has \(paramGroups.count): build the optimizer with the same groups")
        for (group, record) in zip(paramGroups, stateDict.paramGroups) {
            try OptimizerError.require(group.params.count == record.params.count,
                "\(typeName) state dict group has \(record.params.count) parameters, the optimizer's has \(group.params.count): build the optimizer with the same parameters")
            try checkOptions(record.options)
        }
        let parameters = allParameters
        for (index, entry) in stateDict.state {
            try OptimizerError.require(index >= 0 && index < parameters.count,
                "\(typeName) state dict has state for parameter \(index) of \(parameters.count): it belongs to another model")
            for (key, value) in entry.values {
                if case .tensor(let tensor) = value {
                    try OptimizerError.require(tensor.count == parameters[index].count || tensor.count == 1,
                        "\(typeName) state '\(index).\(key)' has shape \(tensor.shape) but parameter \(index) has shape \(parameters[index].shape): it belongs to another model")
                }
            }
        }
        // Checked everything first: a bad dict leaves the optimizer untouched.
        for i in paramGroups.indices { storage.paramGroups[i].options = stateDict.paramGroups[i].options }
        storage.state = [:]
        for (index, entry) in stateDict.state {
            storage.state[ObjectIdentifier(parameters[index])] = ParameterState(entry.values.mapValues { $0.copied() })
        }
    }
}
