/// How many batches of an epoch to use: all, a fraction, or a count (Lightning's
/// `limit_train_batches`, where `0.25` means a quarter and `10` means ten batches).
public enum BatchLimit: Equatable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    case all
    case fraction(Double)
    case count(Int)

    public init(integerLiteral value: Int) { self = .count(value) }
    public init(floatLiteral value: Double) { self = .fraction(value) }

    /// The number of batches out of `available`.
    public func batches(of available: Int) -> Int {
        switch self {
        case .all: return available
        case .fraction(let fraction): return Swift.min(available, Int((Double(available) * fraction).rounded(.down)))
        case .count(let count): return Swift.min(available, count)
        }
    }

    func validate(_ name: String) throws {
        switch self {
        case .all: break
        case .fraction(let fraction):
            try TrainerError.require(fraction >= 0 && fraction <= 1, "\(name) must be a fraction in [0, 1] or a batch count, got \(fraction)")
        case .count(let count):
            try TrainerError.require(count >= 0, "\(name) must be a batch count >= 0 or a fraction, got \(count)")
        }
    }
}

/// When validation runs within a training epoch (Lightning's `val_check_interval`): after a
/// fraction of the epoch's batches (`0.25`: four times an epoch; `1.0`: at its end), or every
/// `n` batches.
public enum ValidationInterval: Equatable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    case fraction(Double)
    case batches(Int)

    public init(integerLiteral value: Int) { self = .batches(value) }
    public init(floatLiteral value: Double) { self = .fraction(value) }

    /// Whether validation runs after batch `batchIndex` of an epoch of `batchCount` batches.
    func isCheckpoint(batchIndex: Int, batchCount: Int) -> Bool {
        switch self {
        case .fraction(let fraction):
            let every = Swift.max(1, Int((Double(batchCount) * fraction).rounded(.down)))
            return (batchIndex + 1) % every == 0 || batchIndex + 1 == batchCount
        case .batches(let every):
            return (batchIndex + 1) % every == 0
        }
    }

    func validate() throws {
        switch self {
        case .fraction(let fraction):
            try TrainerError.require(fraction > 0 && fraction <= 1, "valCheckInterval must be a fraction in (0, 1] or a batch count, got \(fraction)")
        case .batches(let every):
            try TrainerError.require(every >= 1, "valCheckInterval must be at least 1 batch, got \(every)")
        }
    }
}
