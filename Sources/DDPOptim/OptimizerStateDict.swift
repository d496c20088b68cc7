import DDPTensor

/// An optimizer's saved state, as `optimizer.state_dict()`: per-parameter state keyed by
/// the parameter's index (counting through the groups in order) and each group's options
/// with the indices of its parameters.
///
/// A checkpoint writer splits it in two with ``namedTensors`` (tensors named
/// `"<param>.<key>"`, e.g. `"0.exp_avg"`; Float32 or Float64) and ``metadata`` (JSON:
/// type, group options and index lists, scalar state), and rebuilds it with
/// ``init(metadata:namedTensors:)``. The round trip is exact.
public struct OptimizerStateDict {
    /// One group's options and the indices of its parameters.
    public struct GroupRecord: Codable, Equatable {
        public var options: [String: HyperParameter]
        public var params: [Int]

        public init(options: [String: HyperParameter], params: [Int]) {
            self.options = options
            self.params = params
        }
    }

    /// Everything that is not a tensor, ready for `JSONEncoder`.
    public struct Metadata: Codable, Equatable {
        public var optimizerType: String
        public var paramGroups: [GroupRecord]
        /// Scalar state by parameter index (as a string, for JSON) and key.
        public var scalars: [String: [String: Double]]
    }

    /// The optimizer's type name (`"Adam"`); loading into another type is an error.
    public var optimizerType: String
    public var state: [Int: ParameterState]
    public var paramGroups: [GroupRecord]

    public init(optimizerType: String, state: [Int: ParameterState], paramGroups: [GroupRecord]) {
        self.optimizerType = optimizerType
        self.state = state
        self.paramGroups = paramGroups
    }

    /// The tensor-valued state, named `"<param index>.<key>"`.
    public var namedTensors: [String: StateValue] {
        var result: [String: StateValue] = [:]
        for (index, entry) in state {
            for (key, value) in entry.values {
                if case .number = value { continue }
                result["\(index).\(key)"] = value
            }
        }
        return result
    }

    /// The non-tensor part.
    public var metadata: Metadata {
        var scalars: [String: [String: Double]] = [:]
        for (index, entry) in state {
            for (key, value) in entry.values {
                if case .number(let number) = value { scalars[String(index), default: [:]][key] = number }
            }
        }
        return Metadata(optimizerType: optimizerType, paramGroups: paramGroups, scalars: scalars)
    }

    /// Rebuilds a state dict from its two halves.
    public init(metadata: Metadata, namedTensors: [String: StateValue]) throws {
        var state: [Int: ParameterState] = [:]
        for (name, value) in namedTensors {
            let parts = name.split(separator: ".", maxSplits: 1)
            guard parts.count == 2, let index = Int(parts[0]) else {
                throw OptimizerError("optimizer state tensor '\(name)' is not named '<param index>.<key>': the checkpoint is damaged")
            }
            state[index, default: ParameterState()][String(parts[1])] = value
        }
        for (indexText, entries) in metadata.scalars {
            guard let index = Int(indexText) else {
                throw OptimizerError("optimizer scalar state for '\(indexText)' is not a parameter index: the checkpoint is damaged")
            }
            for (key, number) in entries { state[index, default: ParameterState()][key] = .number(number) }
        }
        self.init(optimizerType: metadata.optimizerType, state: state, paramGroups: metadata.paramGroups)
    }
}
