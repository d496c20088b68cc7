import DDPTensor

/// One entry of an optimizer's per-parameter state.
public enum StateValue {
    /// A Float32 buffer (`exp_avg`, `momentum_buffer`) or a one-element counter (`step`, as
    /// torch keeps it: a float32 scalar tensor).
    case tensor(Tensor)
    /// A Float64 array with its shape (LBFGS keeps its history in Double).
    case doubles([Double], shape: [Int])
    /// A plain number, stored as JSON metadata (LBFGS's `n_iter`, `t`, ...).
    case number(Double)

    /// A deep copy: a saved state never aliases the live buffers.
    func copied() -> StateValue {
        if case .tensor(let tensor) = self { return .tensor(tensor.copy()) }
        return self
    }
}

/// The state an optimizer keeps for one parameter, by PyTorch's key names.
///
/// Created lazily on the parameter's first step, as in `torch.optim`.
public struct ParameterState {
    public var values: [String: StateValue] = [:]

    public init(_ values: [String: StateValue] = [:]) { self.values = values }

    public var isEmpty: Bool { values.isEmpty }

    public subscript(key: String) -> StateValue? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// The Float32 buffer `key`, created shaped like `parameter` and filled with
    /// `initialValue` on first use.
    public mutating func buffer(_ key: String, like parameter: Tensor, initialValue: Float = 0) -> Tensor {
        if case .tensor(let tensor)? = values[key], tensor.count == parameter.count { return tensor }
        let tensor = Tensor.full(parameter.shape, initialValue)
        values[key] = .tensor(tensor)
        return tensor
    }

    /// The Float32 buffer `key` if present.
    public func tensor(_ key: String) -> Tensor? {
        if case .tensor(let tensor)? = values[key] { return tensor }
        return nil
    }

    /// A number stored as `.number`, or a one-element tensor's value.
    public func number(_ key: String) -> Double? {
        switch values[key] {
        case .number(let value)?: return value
        case .tensor(let tensor)? where tensor.count == 1: return Double(tensor.data[0])
        default: return nil
        }
    }

    /// The one-element Float32 tensor `key` (torch's scalar state such as `step`), created
    /// holding `initialValue` on first use.
    public mutating func scalarBuffer(_ key: String, initialValue: Float = 0) -> Tensor {
        if case .tensor(let tensor)? = values[key], tensor.count == 1 { return tensor }
        let tensor = Tensor(scalar: initialValue)
        values[key] = .tensor(tensor)
        return tensor
    }

    /// Adds one to the `step` counter and returns the new count.
    ///
    /// The counter is a float32 scalar tensor, as torch keeps it (exact up to 2^24 steps).
    public mutating func advanceStep() -> Double {
        let step = scalarBuffer("step")
        step.data[0] += 1
        return Double(step.data[0])
    }
}
