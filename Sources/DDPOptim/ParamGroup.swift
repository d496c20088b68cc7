import DDPTensor

/// A set of parameters that share hyper-parameters, as one entry of PyTorch's
/// `optimizer.param_groups`.
///
/// Options are looked up by PyTorch's names (`"lr"`, `"betas"`, `"weight_decay"`, ...).
/// A scheduler or a warm-up hook changes them in place between steps:
///
///     optimizer.paramGroups[0].lr = 0.05
///     optimizer.paramGroups[1]["momentum"] = 0.8
///
/// Options a group leaves out are filled from the optimizer's defaults when the group is added.
public struct ParamGroup {
    /// The parameters, in registration order.
    public var params: [Tensor]
    /// Hyper-parameters by PyTorch name.
    public var options: [String: HyperParameter]

    public init(_ params: [Tensor], options: [String: HyperParameter] = [:]) {
        self.params = params
        self.options = options
    }

    /// Reads or writes the hyper-parameter `name`.
    public subscript(name: String) -> HyperParameter? {
        get { options[name] }
        set { options[name] = newValue }
    }

    /// The number named `name`; the group must hold one (groups are filled from defaults).
    public func number(_ name: String) -> Double {
        guard let value = options[name]?.doubleValue else {
            preconditionFailure("param group option '\(name)' must be a number, found \(String(describing: options[name]))")
        }
        return value
    }

    /// The flag named `name`; `false` when absent.
    public func flag(_ name: String) -> Bool { options[name]?.boolValue ?? false }

    /// The learning rate (`"lr"`).
    public var lr: Double {
        get { number("lr") }
        set { options["lr"] = .number(newValue) }
    }

    /// The momentum factor (`"momentum"`), cycled by `OneCycleLR` and `CyclicLR`.
    public var momentum: Double {
        get { number("momentum") }
        set { options["momentum"] = .number(newValue) }
    }

    /// The coefficients of the running averages (`"betas"`) of Adam-like optimizers.
    public var betas: (Double, Double) {
        get {
            guard let values = options["betas"]?.doublesValue, values.count == 2 else {
                preconditionFailure("param group option 'betas' must be two numbers, found \(String(describing: options["betas"]))")
            }
            return (values[0], values[1])
        }
        set { options["betas"] = .numbers([newValue.0, newValue.1]) }
    }

    /// The weight decay (`"weight_decay"`).
    public var weightDecay: Double {
        get { number("weight_decay") }
        set { options["weight_decay"] = .number(newValue) }
    }
}

/// Something an optimizer can be built from: plain tensors (one group) or param groups.
///
///     try SGD([w, b], lr: 0.1)
///     try SGD([ParamGroup([w]), ParamGroup([b], options: ["lr": 0.01])], lr: 0.1)
public protocol ParameterGroupConvertible {
    static func paramGroups(from items: [Self]) -> [ParamGroup]
}

extension Tensor: ParameterGroupConvertible {
    public static func paramGroups(from items: [Tensor]) -> [ParamGroup] { [ParamGroup(items)] }
}

extension ParamGroup: ParameterGroupConvertible {
    public static func paramGroups(from items: [ParamGroup]) -> [ParamGroup] { items }
}
