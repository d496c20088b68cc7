import DDPTestSupport
import Foundation
import SwiftDDP
import Testing

/// Per batch, what PyTorch Lightning 2.6 did to a small linear regression (global step, lr,
/// gradients, parameters) and every logger call, recorded by
/// Tests/Reference/lightning_step_traces.py with the initial weights and the data.
private struct LightningStepTraces: Decodable {
    struct Recipe: Decodable {
        struct Batch: Decodable {
            let epoch: Int
            let batch: Int
            let globalStep: Int
            let lr: Double
            let gradients: [Double]
            let parameters: [Double]
        }
        struct LoggerCall: Decodable, Equatable, CustomStringConvertible {
            let step: Int
            let names: [String]
            var description: String { "step \(step): \(names)" }
        }
        let maxEpochs: Int?
        let maxSteps: Int?
        let accumulateGradBatches: Int
        let rawStep: Bool
        let closureAloneOnOddBatches: Bool
        let stepLr: Int?
        let logEveryNSteps: Int
        let batchSize: Int
        let inputs: [[Double]]
        let targets: [[Double]]
        let weight: [[Double]]
        let bias: [Double]
        let finalGlobalStep: Int
        let trace: [Batch]
        let logged: [LoggerCall]
    }
    let lightning: String
    let recipes: [String: Recipe]

    static func load() throws -> LightningStepTraces {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Reference/step_traces.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(LightningStepTraces.self, from: Data(contentsOf: url))
    }
}

private typealias Recipe = LightningStepTraces.Recipe

private let recipeNames = [
    "accumulate_3_partial_window", "raw_optimizer_step", "raw_optimizer_step_accumulate_2", "closure_alone_every_other_batch",
]

/// The recorded regression: `Linear(3, 1)` from the recorded weights, mean squared error,
/// SGD at lr 0.1, maybe a step-interval StepLR, maybe the raw optimizer stepped in
/// `optimizerStep`, or the closure run alone there on odd batches.
private final class RegressionRecipeModel: Module, TrainingModule {
    let linear: Linear
    let recipe: Recipe
    var trace: [Recipe.Batch] = []
    override var namedChildren: [(String, Module)] { [("linear", linear)] }

    init(_ recipe: Recipe) {
        var generator = RandomGenerator(seed: 0)
        linear = Linear(3, 1, using: &generator)
        linear.weight.assign(Tensor(recipe.weight.joined().map(Float.init), shape: [1, 3]))
        linear.bias!.assign(Tensor(recipe.bias.map(Float.init)))
        self.recipe = recipe
    }

    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let loss = mseLoss(linear(batch.inputs), batch.targets!)
        log("train_loss", loss)
        return loss
    }

    func optimizerStep(epoch: Int, batchIndex: Int, optimizer: ManagedOptimizer, optimizerIndex: Int,
                       closure: @escaping OptimizerClosure) throws {
        if recipe.closureAloneOnOddBatches && batchIndex % 2 == 1 {
            _ = try closure()
        } else if recipe.rawStep {
            try optimizer.optimizer.step(closure: closure)   // the optimization guide's raw step
        } else {
            try optimizer.step(closure: closure)
        }
    }

    func onTrainBatchEnd(_ batch: Batch, batchIndex: Int) throws {
        let parameters = [linear.weight, linear.bias!]
        trace.append(.init(
            epoch: trainer.currentEpoch, batch: batchIndex, globalStep: trainer.globalStep,
            lr: trainer.optimizers[0].paramGroups[0].lr,
            gradients: parameters.flatMap { ($0.grad?.scalars ?? Array(repeating: 0, count: $0.count)).map(Double.init) },
            parameters: parameters.flatMap { $0.scalars.map(Double.init) }))
    }

    func configureOptimizers() throws -> OptimizerConfiguration {
        let sgd = try SGD(parameters(), lr: 0.1)
        guard let stepSize = recipe.stepLr else { return OptimizerConfiguration(sgd) }
        return OptimizerConfiguration(
            sgd, scheduler: SchedulerConfiguration(try StepLR(sgd, stepSize: stepSize, gamma: 0.5), interval: .step))
    }
}

/// Ends a replay a few batches after Lightning's run ended, so that a fit that `maxSteps`
/// fails to end gives a failed comparison instead of running forever.
private final class BatchBudget: Callback {
    let batches: Int
    init(batches: Int) { self.batches = batches }

    func onTrainBatchEnd(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws {
        if trainer.batchesSeen >= batches { trainer.shouldStop = true }
    }
}

private struct Replay {
    let trace: [Recipe.Batch]
    let logged: [Recipe.LoggerCall]
    let globalStep: Int
}

/// Replays `recipe` on this rank of `communicator`: each rank reads its share of every
/// recorded batch, in the recorded order.
private func replay(_ recipe: Recipe, communicator: any Communicator) throws -> Replay {
    let count = recipe.inputs.count
    let data = TensorDataset(inputs: Tensor(recipe.inputs.joined().map(Float.init), shape: [count, 3]),
                             targets: Tensor(recipe.targets.joined().map(Float.init), shape: [count, 1]))
    let trainer = try Trainer(maxEpochs: recipe.maxEpochs, maxSteps: recipe.maxSteps,
                              accumulateGradBatches: recipe.accumulateGradBatches,
                              logEveryNSteps: recipe.logEveryNSteps, communicator: communicator,
                              callbacks: [BatchBudget(batches: recipe.trace.count + 3)], enableProgressBar: false,
                              keepLoggedEvents: true)
    let model = RegressionRecipeModel(recipe)
    try trainer.fit(model, train: DataLoader(data, batchSize: recipe.batchSize / communicator.worldSize, shuffle: false))
    let logged = trainer.loggedEvents.map { Recipe.LoggerCall(step: $0.step, names: $0.values.map(\.name).sorted()) }
    return Replay(trace: model.trace, logged: logged, globalStep: trainer.globalStep)
}

/// Relative 1e-5, with a floor of 1e-6 for values near zero: float32 arithmetic done in
/// another order than torch's.
private func close(_ mine: [Double], _ theirs: [Double]) -> Bool {
    mine.count == theirs.count && zip(mine, theirs).allSatisfy { abs($0 - $1) <= 1e-5 * abs($1) + 1e-6 }
}

private func expectSameRun(_ run: Replay, as recipe: Recipe, _ label: String, worldSize: Int) {
    #expect(run.globalStep == recipe.finalGlobalStep, "\(label): fit ended at global step \(run.globalStep), Lightning \(recipe.finalGlobalStep)")
    #expect(run.trace.count == recipe.trace.count, "\(label): \(run.trace.count) batches trained, Lightning \(recipe.trace.count)")
    #expect(run.logged == recipe.logged, "\(label): logged \(run.logged), Lightning \(recipe.logged)")
    var previousStep = 0
    for (mine, theirs) in zip(run.trace, recipe.trace) {
        let place = "\(label), epoch \(theirs.epoch) batch \(theirs.batch)"
        #expect(mine.epoch == theirs.epoch && mine.batch == theirs.batch, "\(place): got epoch \(mine.epoch) batch \(mine.batch)")
        #expect(mine.globalStep == theirs.globalStep, "\(place): global step \(mine.globalStep), Lightning \(theirs.globalStep)")
        #expect(abs(mine.lr - theirs.lr) <= 1e-12 * theirs.lr, "\(place): lr \(mine.lr), Lightning \(theirs.lr)")
        #expect(close(mine.parameters, theirs.parameters), "\(place): parameters \(mine.parameters), Lightning \(theirs.parameters)")
        // Between steps a rank holds the gradients of its own samples; after a step, the average.
        if worldSize == 1 || theirs.globalStep > previousStep {
            #expect(close(mine.gradients, theirs.gradients), "\(place): gradients \(mine.gradients), Lightning \(theirs.gradients)")
        }
        previousStep = theirs.globalStep
    }
}

/// The last accumulation window of an epoch, and the raw optimizer
/// stepped, or the closure run alone, in `optimizerStep`, replayed against
/// Lightning 2.6 on one rank and two.
@Suite struct StepTraceTests {
    @Test(arguments: recipeNames)
    func matchesLightningOnOneRank(name: String) throws {
        let recipe = try #require(try LightningStepTraces.load().recipes[name], "no recorded recipe \(name)")
        expectSameRun(try replay(recipe, communicator: LocalCommunicator()), as: recipe, "\(name), 1 rank", worldSize: 1)
    }

    @Test(arguments: recipeNames)
    func matchesLightningOnTwoRanks(name: String) throws {
        let recipe = try #require(try LightningStepTraces.load().recipes[name], "no recorded recipe \(name)")
        let ranks = ThreadGroupCommunicator.run(worldSize: 2) { communicator in
            try replay(recipe, communicator: communicator)
        }
        for (rank, result) in ranks.enumerated() {
            expectSameRun(try result.get(), as: recipe, "\(name), rank \(rank) of 2", worldSize: 2)
        }
    }

    @Test func fixturesSayWhichLightningMadeThemAndEveryRecipeIsReplayed() throws {
        let traces = try LightningStepTraces.load()
        #expect(traces.lightning.hasPrefix("2.6."))
        #expect(Set(traces.recipes.keys) == Set(recipeNames))
    }
}
