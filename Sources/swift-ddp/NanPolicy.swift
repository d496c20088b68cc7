import DDPTasks

extension NonFiniteLossPolicy {
    /// The policy `--nan-policy error|skip|continue` names.
    init?(nanPolicy: String) {
        switch nanPolicy {
        case "error": self = .stop
        case "skip": self = .skip
        case "continue": self = .step
        default: return nil
        }
    }
}
