import DDPTensor

/// What every optimizer keeps between steps, in one place: its defaults, its parameter
/// groups and each parameter's state. An optimizer holds one as `storage`; the `Optimizer`
/// protocol extension reads and writes it, so a new optimizer declares nothing else.
public struct OptimizerStorage {
    /// Every hyper-parameter the optimizer knows, with its default value (torch's `defaults`).
    public let defaults: [String: HyperParameter]
    /// The parameter groups, in the order they were added.
    public var paramGroups: [ParamGroup] = []
    /// Per-parameter state, keyed by the parameter's identity.
    public var state: [ObjectIdentifier: ParameterState] = [:]

    /// Storage with no groups yet and `defaults` as torch's dictionary.
    public init(defaults: [String: HyperParameter]) {
        self.defaults = defaults
    }

    /// Storage whose defaults are `options`, written as torch's dictionary.
    public init(defaults options: some OptimizerOptions) {
        self.init(defaults: options.hyperParameters)
    }
}
