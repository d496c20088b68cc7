/// An optimizer's hyper-parameters as a typed value (`Adam.Options`, `SGD.Options`, ...)
/// that converts to and from torch's param-group dictionary.
///
/// The dictionary is what param groups, `defaults` and state dicts hold, so checkpoints keep
/// torch's keys (`"lr"`, `"betas"`, `"weight_decay"`, ...); the typed value is what
/// constructors take and what an update reads.
public protocol OptimizerOptions: Sendable {
    /// The options by torch's names, as `defaults` and param groups hold them.
    var hyperParameters: [String: HyperParameter] { get }
    /// Reads the options of `group`, which holds every key of `hyperParameters` with a
    /// value of the right kind (an optimizer's groups are filled from its defaults and checked).
    init(_ group: ParamGroup)
}
