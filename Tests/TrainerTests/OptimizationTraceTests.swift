import Foundation
import SwiftDDP
import Testing

private let recipeNames = [
    "clip_norm_accumulate_2", "clip_value", "warmup_optimizer_step", "lbfgs_strong_wolfe", "lbfgs_fixed_step",
    "manual_two_optimizers_schedulers",
]

/// Relative 1e-5, with an absolute floor of 1e-6 for values near zero: float32 arithmetic
/// done in another order than torch's.
private func close(_ mine: Double, _ theirs: Double) -> Bool {
    abs(mine - theirs) <= 1e-5 * abs(theirs) + 1e-6
}

private func close(_ mine: [Double], _ theirs: [Double]) -> Bool {
    mine.count == theirs.count && zip(mine, theirs).allSatisfy { close($0, $1) }
}

private func expectSameRun(
    _ run: (trace: [OptimizationRecipe.Batch], logged: [MetricsRecord], globalStep: Int),
    as recipe: OptimizationRecipe, _ label: String, worldSize: Int
) {
    #expect(run.globalStep == recipe.finalGlobalStep, "\(label): fit ended at global step \(run.globalStep), Lightning \(recipe.finalGlobalStep)")
    #expect(run.trace.count == recipe.trace.count, "\(label): \(run.trace.count) batches trained, Lightning \(recipe.trace.count)")
    for (mine, theirs) in zip(run.trace, recipe.trace) {
        let place = "\(label), epoch \(theirs.epoch) batch \(theirs.batch)"
        #expect(mine.epoch == theirs.epoch && mine.batch == theirs.batch, "\(place): got epoch \(mine.epoch) batch \(mine.batch)")
        #expect(mine.globalStep == theirs.globalStep, "\(place): global step \(mine.globalStep), Lightning \(theirs.globalStep)")
        #expect(mine.stepped == theirs.stepped, "\(place): stepped \(mine.stepped), Lightning \(theirs.stepped)")
        #expect(mine.lrs.count == theirs.lrs.count && zip(mine.lrs, theirs.lrs).allSatisfy { close($0, $1) },
                "\(place): lrs \(mine.lrs), Lightning \(theirs.lrs)")
        #expect(close(mine.parameters, theirs.parameters), "\(place): parameters \(mine.parameters), Lightning \(theirs.parameters)")
        // Between steps a rank holds the gradients of its own samples; after a step, the average.
        if worldSize == 1 || !theirs.stepped.isEmpty {
            #expect(close(mine.gradientNorms, theirs.gradientNorms),
                    "\(place): gradient norms \(mine.gradientNorms), Lightning \(theirs.gradientNorms)")
        }
    }
    #expect(run.logged.count == recipe.logged.count, "\(label): \(run.logged.count) logger calls, Lightning \(recipe.logged.count)")
    for (index, (mine, theirs)) in zip(run.logged, recipe.logged).enumerated() {
        let values = Dictionary(mine.values.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        #expect(mine.step == theirs.step, "\(label), logger call \(index): step \(mine.step), Lightning \(theirs.step)")
        #expect(Set(values.keys) == Set(theirs.values.keys), "\(label), logger call \(index): \(values.keys.sorted()), Lightning \(theirs.values.keys.sorted())")
        for (name, expected) in theirs.values {
            #expect(values[name].map { close($0, expected) } ?? false,
                    "\(label), logger call \(index): \(name) \(values[name] ?? .nan), Lightning \(expected)")
        }
    }
}

/// Clipping by norm (with accumulation) and by value, the guide's warm-up in
/// `optimizerStep`, LBFGS with a closure, and manual optimization with two optimizers and
/// the module stepping `lrSchedulers()`: replayed against Lightning 2.6 on one rank and two,
/// batch by batch (optimizers stepped, lrs, gradient norms after clipping, parameters,
/// logged losses).
@Suite struct OptimizationTraceTests {
    @Test(arguments: recipeNames)
    func matchesLightningOnOneRank(name: String) throws {
        let recipe = try #require(try LightningOptimizationTraces.load().recipes[name], "no recorded recipe \(name)")
        expectSameRun(try replayOptimizationRecipe(recipe, communicator: LocalCommunicator()), as: recipe,
                      "\(name), 1 rank", worldSize: 1)
    }

    @Test(arguments: recipeNames)
    func matchesLightningOnTwoRanks(name: String) throws {
        let recipe = try #require(try LightningOptimizationTraces.load().recipes[name], "no recorded recipe \(name)")
        let ranks = ThreadGroupCommunicator.run(worldSize: 2) { communicator in
            try replayOptimizationRecipe(recipe, communicator: communicator)
        }
        for (rank, result) in ranks.enumerated() {
            expectSameRun(try result.get(), as: recipe, "\(name), rank \(rank) of 2", worldSize: 2)
        }
    }

    @Test func fixturesSayWhichLightningMadeThemAndEveryRecipeIsReplayed() throws {
        let traces = try LightningOptimizationTraces.load()
        #expect(traces.lightning.hasPrefix("2.6."))
        #expect(Set(traces.recipes.keys) == Set(recipeNames))
        // The recipe clips for real: after every step Lightning recorded a norm of at most 0.3.
        let clipped = try #require(traces.recipes["clip_norm_accumulate_2"])
        #expect(clipped.trace.filter { !$0.stepped.isEmpty }.allSatisfy { $0.gradientNorms[0] <= 0.3 + 1e-6 })
    }
}
