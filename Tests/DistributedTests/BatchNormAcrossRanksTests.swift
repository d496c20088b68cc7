import DDPTestSupport
import SwiftDDP
import Testing

/// BatchNorm over several ranks: SyncBatchNorm's statistics and gradients equal one
/// process's on the whole batch, and the running statistics (buffers) stay bitwise identical
/// on every rank.
@Suite struct SyncBatchNormOpTests {
    /// One process normalising `[8, 3, 4, 4]` at once against `ranks` ranks each holding a
    /// slice of the batch and reducing their statistics: outputs, input gradients, γ and β
    /// gradients summed over ranks and running statistics agree within 1e-5 relative
    /// (+ 1e-6 absolute); the statistics differ in rounding only (Σx, Σx² in double
    /// against two passes).
    @Test(arguments: [2, 4]) func ranksTogetherNormaliseAsOneBatch(ranks: Int) throws {
        var generator = RandomGenerator(seed: 11)
        let x = Tensor.randn([8, 3, 4, 4], mean: 0.7, std: 1.8, using: &generator)
        let objective = Tensor.randn([8, 3, 4, 4], using: &generator)
        let gamma = Tensor.uniform([3], low: 0.5, high: 1.5, using: &generator)
        let beta = Tensor.randn([3], using: &generator)
        let full = Self.normalise(x, objective, gamma, beta, reduction: nil)

        let rows = 8 / ranks
        let (xs, objectives, gammas, betas) = (x.scalars, objective.scalars, gamma.scalars, beta.scalars)
        let perRank = try onRanks(ranks) { comm -> Normalised in
            let slice = { (values: [Float]) in
                Tensor(Array(values[(comm.rank * rows * 48)..<((comm.rank + 1) * rows * 48)]), shape: [rows, 3, 4, 4])
            }
            return Self.normalise(slice(xs), slice(objectives), Tensor(gammas), Tensor(betas),
                                  reduction: { comm.allReduce($0, .sum) })
        }
        let output = perRank.flatMap(\.output), inputGradient = perRank.flatMap(\.inputGradient)
        let gammaGradient = (0..<3).map { c in perRank.reduce(Float(0)) { $0 + $1.gammaGradient[c] } }
        let betaGradient = (0..<3).map { c in perRank.reduce(Float(0)) { $0 + $1.betaGradient[c] } }
        #expect(allClose(output, full.output, rtol: 1e-5, atol: 1e-6))
        #expect(allClose(inputGradient, full.inputGradient, rtol: 1e-5, atol: 1e-6))
        #expect(allClose(gammaGradient, full.gammaGradient, rtol: 1e-5, atol: 1e-6))
        #expect(allClose(betaGradient, full.betaGradient, rtol: 1e-5, atol: 1e-6))
        for rank in perRank {
            #expect(allClose(rank.runningMean, full.runningMean, rtol: 1e-5, atol: 1e-6))
            #expect(allClose(rank.runningVariance, full.runningVariance, rtol: 1e-5, atol: 1e-6))
        }
        // Each slice alone gives other numbers: the comparison above can tell.
        let alone = Self.normalise(Tensor(Array(x.scalars.prefix(rows * 48)), shape: [rows, 3, 4, 4]),
                              Tensor(Array(objective.scalars.prefix(rows * 48)), shape: [rows, 3, 4, 4]),
                              gamma.copy(), beta.copy(), reduction: nil)
        #expect(!allClose(alone.output, Array(full.output.prefix(rows * 48)), rtol: 1e-3, atol: 1e-4))
    }

    struct Normalised: Sendable {
        var output: [Float], inputGradient: [Float], gammaGradient: [Float], betaGradient: [Float]
        var runningMean: [Float], runningVariance: [Float]
    }

    private static func normalise(_ x: Tensor, _ objective: Tensor, _ gamma: Tensor, _ beta: Tensor,
                           reduction: BatchStatisticsReduction?) -> Normalised {
        x.requiresGrad = true
        gamma.requiresGrad = true
        beta.requiresGrad = true
        let runningMean = Tensor.zeros([3]), runningVariance = Tensor.ones([3])
        let y = Tensor.batchNorm(x, runningMean: runningMean, runningVariance: runningVariance, weight: gamma, bias: beta,
                                 training: true, momentum: 0.1, reduction: reduction)
        (y * objective).sum().backward()
        return Normalised(output: y.scalars, inputGradient: x.grad!.scalars, gammaGradient: gamma.grad!.scalars,
                          betaGradient: beta.grad!.scalars, runningMean: runningMean.scalars,
                          runningVariance: runningVariance.scalars)
    }
}

/// An MLP with BatchNorm1d trained with SGD, for the trainer-level checks.
final class BatchNormClassifier: Module, TrainingModule {
    let net: Sequential
    override var namedChildren: [(String, Module)] { [("net", net)] }

    override init() {
        var generator = RandomGenerator(seed: 5)
        net = Sequential(Linear(4, 8, using: &generator), BatchNorm1d(8), ReLU(), Linear(8, 3, using: &generator))
    }

    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        crossEntropy(net(batch.inputs), targets: batch.labels)
    }

    func configureOptimizers() throws -> OptimizerConfiguration {
        OptimizerConfiguration(try SGD(parameters(), lr: 0.1, momentum: 0.9))
    }

    /// 64 samples of 4 normal features (mean 1, so the running mean moves), labelled by the
    /// sign of two sums.
    static func data() -> TensorDataset {
        var generator = RandomGenerator(seed: 6)
        let inputs = Tensor.randn([64, 4], mean: 1, std: 1.5, using: &generator)
        let labels = (0..<64).map { i -> Int in
            let row = Array(inputs.scalars[(4 * i)..<(4 * i + 4)])
            return (row[0] + row[1] > 2 ? 1 : 0) + (row[2] - row[3] > 0 ? 1 : 0)
        }
        return TensorDataset(inputs: inputs, labels: labels)
    }

    /// Trains two epochs of global batches of 16 (split over the ranks) and returns the
    /// parameters and buffers.
    static func fit(communicator: any Communicator, syncBatchNorm: Bool) throws -> (parameters: [Float], buffers: [Float]) {
        let model = BatchNormClassifier()
        let trainer = try Trainer(maxEpochs: 2, communicator: communicator, enableProgressBar: false,
                                  checkConsistency: 1, syncBatchNorm: syncBatchNorm)
        try trainer.fit(model, train: try DataLoader(data(), batchSize: 16 / communicator.worldSize, shuffle: true, seed: 3))
        return (model.parameters().flatMap(\.scalars), model.namedBuffers().flatMap(\.tensor.scalars))
    }
}

@Suite struct BufferConsistencyTests {
    /// Each rank's BatchNorm moves its running statistics towards its own batch's; after
    /// eight steps every rank still holds rank 0's, bit for bit (and the trainer's audit,
    /// run after every step, covered the buffers without complaint).
    @Test(arguments: [2, 3]) func buffersStayBitwiseIdenticalOnEveryRank(ranks: Int) throws {
        let results = try onRanks(ranks) { comm in try BatchNormClassifier.fit(communicator: comm, syncBatchNorm: false) }
        for result in results.dropFirst() {
            #expect(result.buffers.map(\.bitPattern) == results[0].buffers.map(\.bitPattern))
            #expect(result.parameters.map(\.bitPattern) == results[0].parameters.map(\.bitPattern))
        }
        // The running mean really moved (features have mean 1), so there was something to keep equal.
        #expect(results[0].buffers.prefix(8).contains { abs($0) > 0.05 })
    }

    /// SyncBatchNorm on two ranks (8 samples each) trains as one process on the whole
    /// batches of 16: parameters and running statistics within 1e-4 relative (+ 1e-5).
    /// Without it, the two ranks normalise 8 samples each and end elsewhere.
    @Test func syncBatchNormOnTwoRanksMatchesOneProcessOnTheWholeBatch() throws {
        let alone = try BatchNormClassifier.fit(communicator: LocalCommunicator(), syncBatchNorm: false)
        let synced = try onRanks(2) { comm in try BatchNormClassifier.fit(communicator: comm, syncBatchNorm: true) }
        let separate = try onRanks(2) { comm in try BatchNormClassifier.fit(communicator: comm, syncBatchNorm: false) }
        #expect(allClose(synced[0].parameters, alone.parameters, rtol: 1e-4, atol: 1e-5))
        #expect(allClose(synced[0].buffers, alone.buffers, rtol: 1e-4, atol: 1e-5))
        #expect(synced[1].buffers.map(\.bitPattern) == synced[0].buffers.map(\.bitPattern))
        #expect(!allClose(separate[0].parameters, alone.parameters, rtol: 1e-3, atol: 1e-4))
    }

    @Test func theAuditNamesDifferingBuffers() throws {
        let results = try onRanks(3) { comm -> ParameterAuditError? in
            let weight = Tensor([1, 2]), runningMean = Tensor([0.5, 0.25])
            if comm.rank == 2 { runningMean.data[1] += 1e-6 }
            let audit = ParameterAudit(parameters: [weight], buffers: [runningMean], communicator: comm, interval: 1)
            do {
                try audit.check(step: 7)
                return nil
            } catch let error as ParameterAuditError {
                return error
            }
        }
        let expected = ParameterAuditError(step: 7, differingRanks: [2], worldSize: 3, subject: .buffers)
        #expect(results.allSatisfy { $0 == expected })
        #expect(expected.description.hasPrefix("buffers differ across ranks at step 7: rank 2 holds"))
    }
}
