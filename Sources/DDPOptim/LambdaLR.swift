/// Sets each group's lr to base_lr · λ(epoch) for a Swift closure λ, as `LambdaLR`.
/// The closure is not saved in state dicts: rebuild the scheduler with it, then load.
public final class LambdaLR: ChainableScheduler {
    private let lambdas: [(Int) -> Double]

    /// One closure for every group, or one per group.
    public init(_ optimizer: any Optimizer, lambdas: [(Int) -> Double]) throws {
        try OptimizerError.require(lambdas.count == 1 || lambdas.count == optimizer.paramGroups.count,
            "LambdaLR: expected \(optimizer.paramGroups.count) lambdas, got \(lambdas.count): give one per param group or one for all")
        self.lambdas = lambdas.count == 1 ? Array(repeating: lambdas[0], count: optimizer.paramGroups.count) : lambdas
        try super.init(optimizer: optimizer)
    }

    public convenience init(_ optimizer: any Optimizer, lambda: @escaping (Int) -> Double) throws {
        try self.init(optimizer, lambdas: [lambda])
    }

    public override func computeLR() throws -> [Double] {
        zip(baseLRs, lambdas).map { $0 * $1(lastEpoch) }
    }
}
