import DDPTestSupport
import OptimizationExamples
import SwiftDDP
import Testing

/// Every example of the optimization guide, run in one process and under `mpirun`: the same
/// losses, steps and parameters (within 1e-5) for the same global batches. The mpirun runs
/// also audit after every step that all ranks hold bitwise-identical parameters (the job
/// fails otherwise).
@Suite(.serialized) struct MultiRankExampleTests {
    @Test func everyExampleGivesTheSameResultsOnTwoRanks() throws {
        let results = try runUnderMPI(ranks: 2)
        #expect(results.count == OptimizationExamples.all.count)
        for example in OptimizationExamples.all {
            let alone = try runAlone(example.name)
            let twoRanks = try #require(results[example.name], "\(example.name) missing from the mpirun output")
            #expect(mismatch(twoRanks, alone) == nil, "\(mismatch(twoRanks, alone) ?? "")")
        }
    }

    @Test func sgdAdamWithAccumulationAndClippingAndLBFGSMatchOnFourRanks() throws {
        let names = ["automatic-sgd", "adam-accumulate-clip", "manual-lbfgs"]
        let results = try runUnderMPI(ranks: 4, only: names)
        for name in names {
            let alone = try runAlone(name)
            let fourRanks = try #require(results[name])
            #expect(mismatch(fourRanks, alone) == nil, "\(mismatch(fourRanks, alone) ?? "")")
        }
    }

    /// Automatic optimization with accumulation k and per-rank batch b on N ranks takes the
    /// same steps as one rank with batch k·b·N (ranks as threads of this process).
    @Test(arguments: [2, 4]) func accumulationOverRanksEqualsOneLargeBatch(ranks: Int) throws {
        @Sendable func model() -> ClassifierModel {
            ClassifierModel { OptimizerConfiguration(try Adam($0.parameters(), lr: 1e-2)) }
        }
        let perRank = 2, accumulation = 2
        let alone = try fitExample("large-batch", model(), communicator: LocalCommunicator(),
                                   globalBatchSize: accumulation * perRank * ranks, gradientClipVal: 0.5)
        let results = ThreadGroupCommunicator.run(worldSize: ranks) { comm in
            try fitExample("large-batch", model(), communicator: comm, globalBatchSize: perRank * ranks,
                           accumulateGradBatches: accumulation, gradientClipVal: 0.5)
        }
        for result in results {
            var run = try result.get()
            #expect(run.globalStep == alone.globalStep)
            run.losses = alone.losses  // per-batch logs differ by design (micro-batches); step losses must not
            #expect(mismatch(run, alone) == nil, "\(mismatch(run, alone) ?? "")")
        }
    }
}
