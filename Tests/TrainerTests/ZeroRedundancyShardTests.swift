import DDPTestSupport
import OptimizationExamples
import SwiftDDP
import Testing

/// Strategy zero1 in one process, with a thread per rank: each rank keeps the state of its
/// own parameters alone, and the weights and the gathered state are bit for bit those of
/// one optimizer over everything.
@Suite struct ZeroRedundancyShardTests {
    /// Shapes with parameters large enough to travel in place (one of 2^20 elements) and
    /// small ones that travel packed together.
    static let shapes: [[Int]] = [[1 << 20], [64, 33], [33], [7, 5], [5], [300, 4], [4], [3]]

    static func makeParameters() -> [Tensor] {
        var generator = RandomGenerator(seed: 21)
        return shapes.map { shape in
            let parameter = Tensor.randn(shape, using: &generator)
            parameter.requiresGrad = true
            return parameter
        }
    }

    /// The gradient every rank holds at `step` after averaging (the same on all).
    static func setGradients(_ parameters: [Tensor], step: Int) {
        var generator = RandomGenerator(seed: UInt64(100 + step))
        for parameter in parameters { parameter.grad = Tensor.randn(parameter.shape, using: &generator) }
    }

    /// Adam over two groups (the second at a tenth of the rate) with a StepLR that halves both.
    static func makeAdam(_ parameters: [Tensor]) throws -> (Adam, StepLR) {
        let adam = try Adam([ParamGroup(Array(parameters.prefix(4))),
                             ParamGroup(Array(parameters.dropFirst(4)), options: ["lr": .number(0.001)])],
                            lr: 0.01, weightDecay: 0.01)
        return (adam, try StepLR(adam, stepSize: 2, gamma: 0.5))
    }

    static func tensors(_ state: OptimizerStateDict) -> [String: [Float]] {
        state.namedTensors.compactMapValues { value in
            if case .tensor(let tensor) = value { return tensor.scalars }
            return nil
        }
    }

    @Test(arguments: [2, 3])
    func eachRankKeepsItsShareAndTheResultIsOneOptimizers(worldSize: Int) throws {
        let steps = 5
        let reference = Self.makeParameters()
        let (referenceAdam, referenceScheduler) = try Self.makeAdam(reference)
        for step in 0..<steps {
            Self.setGradients(reference, step: step)
            try referenceAdam.step()
            try referenceScheduler.step()
        }
        let expectedWeights = reference.map(\.scalars)
        let expectedState = Self.tensors(referenceAdam.stateDict())

        let results = try ThreadGroupCommunicator.run(worldSize: worldSize) { comm -> ([[Float]], Int, Int, [String: [Float]], [Double]) in
            let parameters = Self.makeParameters()
            let (adam, scheduler) = try Self.makeAdam(parameters)
            let shard = try ZeroRedundancyShard(adam, communicator: comm)
            for step in 0..<steps {
                Self.setGradients(parameters, step: step)
                try shard.step()
                try scheduler.step()
            }
            // Gradients are given back after the step.
            let gradientsKept = parameters.filter { $0.grad != nil }.count
            let gathered = try shard.gatheredStateDict()
            return (parameters.map(\.scalars), adam.state.count, gradientsKept,
                    comm.rank == 0 ? Self.tensors(gathered) : [:], adam.paramGroups.map(\.lr))
        }.map { try $0.get() }

        let partition = ZeroRedundancyPartition(groupSizes: [Array(Self.shapes.prefix(4)), Array(Self.shapes.dropFirst(4))]
            .map { $0.map { $0.reduce(1, *) } }, worldSize: worldSize)
        let ownedCounts = (0..<worldSize).map { rank in partition.owners.joined().filter { $0 == rank }.count }
        for (rank, result) in results.enumerated() {
            // Compared first, so that a failure prints the message, not a million numbers.
            let sameWeights = result.0 == expectedWeights
            #expect(sameWeights, "rank \(rank)'s weights differ from one Adam's")
            #expect(result.1 == ownedCounts[rank], "rank \(rank) holds state for its \(ownedCounts[rank]) parameters only")
            #expect(result.2 == Self.shapes.count)
            #expect(result.4 == referenceAdam.paramGroups.map(\.lr), "the scheduler's rates reach every group")
        }
        #expect(ownedCounts.allSatisfy { $0 > 0 && $0 < Self.shapes.count })
        let sameState = results[0].3 == expectedState
        #expect(sameState, "the gathered state differs from one Adam's")
    }

    /// A state dict of the whole optimizer (from a checkpoint of any strategy) is loaded
    /// whole, and each rank keeps its share.
    @Test func loadingAWholeStateKeepsTheShare() throws {
        let whole = Self.makeParameters()
        let (adam, _) = try Self.makeAdam(whole)
        Self.setGradients(whole, step: 0)
        try adam.step()
        // Read, never written, by the rank threads.
        nonisolated(unsafe) let saved = adam.stateDict()
        let counts = try ThreadGroupCommunicator.run(worldSize: 2) { comm -> Int in
            let (mine, _) = try Self.makeAdam(Self.makeParameters())
            let shard = try ZeroRedundancyShard(mine, communicator: comm)
            try shard.load(stateDict: saved)
            return mine.state.count
        }.map { try $0.get() }
        #expect(counts.reduce(0, +) == Self.shapes.count && counts.allSatisfy { $0 > 0 })
    }

    /// The trainer with strategy zero1 against ddp on 3 ranks: the classifier with momentum
    /// SGD, accumulation 2 and clipping by norm ends bit for bit the same.
    @Test func theTrainerEndsAsUnderDDP() throws {
        func train(_ strategy: Strategy) -> [[Float]] {
            ThreadGroupCommunicator.run(worldSize: 3) { comm -> [Float] in
                let module = ClassifierModel(seed: 8)
                let trainer = try Trainer(maxEpochs: 2, accumulateGradBatches: 2, gradientClipVal: 0.5, communicator: comm,
                                          enableProgressBar: false, strategy: strategy)
                try trainer.fit(module, train: try DataLoader(ExampleData.classification(count: 96), batchSize: 8))
                return module.parameters().flatMap(\.scalars)
            }.map { try! $0.get() }
        }
        let ddp = train(.ddp), zero1 = train(.zero1)
        let same = zero1 == ddp
        #expect(same, "zero1's weights differ from ddp's")
        #expect(ddp[0] != ClassifierModel(seed: 8).parameters().flatMap(\.scalars), "it trained")
    }

    @Test func lbfgsIsRefused() throws {
        let parameter = Tensor.zeros([3])
        parameter.requiresGrad = true
        let lbfgs = try LBFGS([parameter])
        #expect(throws: TrainerError.self) { try ZeroRedundancyShard(lbfgs, communicator: LocalCommunicator()) }
    }
}
