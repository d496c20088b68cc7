import DDPTestSupport
import Foundation
import SwiftDDP
import Testing

/// What PyTorch Lightning 2.6 did with `GradientAccumulationScheduler`,
/// `StochasticWeightAveraging` and `self.log(..., reduce_fx=)` on a small linear regression,
/// recorded by Tests/Reference/lightning_callbacks.py with the initial weights and the data.
struct LightningCallbackRecipes: Decodable {
    struct SWA: Decodable {
        let swaLrs: Double
        let swaEpochStart: Double
        let annealingEpochs: Int
        let annealingStrategy: String
        enum CodingKeys: String, CodingKey {
            case swaLrs = "swa_lrs", swaEpochStart = "swa_epoch_start", annealingEpochs = "annealing_epochs"
            case annealingStrategy = "annealing_strategy"
        }
    }
    struct Batch: Decodable {
        let epoch: Int
        let batch: Int
        let globalStep: Int
        let parameters: [Double]
        enum CodingKeys: String, CodingKey { case epoch, batch, globalStep = "global_step", parameters }
    }
    struct LoggerCall: Decodable {
        let step: Int
        let metrics: [String: Double]
    }
    struct Recipe: Decodable {
        let samples: Int
        let batchSize: Int
        let maxEpochs: Int
        let accumulationScheduling: [String: Int]?
        let swa: SWA?
        let stepLr: Bool?
        let batchNorm: Bool?
        let logReduceFx: Bool?
        let validation: Bool?
        let inputs: [[Double]]
        let targets: [[Double]]
        let weight: [[Double]]
        let bias: [Double]
        let valInputs: [[Double]]
        let valTargets: [[Double]]
        let finalGlobalStep: Int
        let trace: [Batch]
        let epochLrs: [Double]
        let finalParameters: [Double]
        let logged: [LoggerCall]
        let finalNorm: [String: [Double]]?
        let nAveraged: Int?
        enum CodingKeys: String, CodingKey {
            case samples, batchSize = "batch_size", maxEpochs = "max_epochs", accumulationScheduling = "accumulation_scheduling"
            case swa, stepLr = "step_lr", batchNorm = "batch_norm", logReduceFx = "log_reduce_fx", validation
            case inputs, targets, weight, bias, valInputs = "val_inputs", valTargets = "val_targets"
            case finalGlobalStep = "final_global_step", trace, epochLrs = "epoch_lrs", finalParameters = "final_parameters"
            case logged, finalNorm = "final_norm", nAveraged = "n_averaged"
        }

        /// The accumulation schedule with integer epochs.
        var scheduling: [Int: Int]? {
            accumulationScheduling.map { Dictionary(uniqueKeysWithValues: $0.map { (Int($0.key)!, $0.value) }) }
        }

        /// Lightning's `StochasticWeightAveraging` from the recorded arguments (an integral
        /// start is an epoch, as Python's int; the others are fractions).
        func makeSWA() throws -> StochasticWeightAveraging? {
            guard let swa else { return nil }
            let start: StochasticWeightAveraging.EpochStart = swa.swaEpochStart >= 1 && swa.swaEpochStart.rounded() == swa.swaEpochStart
                ? .epoch(Int(swa.swaEpochStart)) : .fraction(swa.swaEpochStart)
            return try StochasticWeightAveraging(
                swaLRs: [swa.swaLrs], swaEpochStart: start, annealingEpochs: swa.annealingEpochs,
                annealingStrategy: SWALR.AnnealStrategy(rawValue: swa.annealingStrategy)!)
        }
    }
    /// torch's `SWALR` alone: two groups' learning rates after construction and each of 6 steps.
    struct SWALRTrace: Decodable {
        let annealStrategy: String
        let annealEpochs: Int
        let lrs: [[Double]]
        enum CodingKeys: String, CodingKey { case annealStrategy = "anneal_strategy", annealEpochs = "anneal_epochs", lrs }
    }
    let lightning: String
    let recipes: [String: Recipe]
    let swalr: [SWALRTrace]

    static func load() throws -> LightningCallbackRecipes {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Reference/callbacks.json")
        return try JSONDecoder().decode(LightningCallbackRecipes.self, from: Data(contentsOf: url))
    }

    static func recipe(_ name: String) throws -> Recipe {
        try #require(try load().recipes[name], "no recorded recipe \(name)")
    }
}

typealias CallbackRecipe = LightningCallbackRecipes.Recipe

/// The recorded regression: `Linear(3, 1)` from the recorded weights (then maybe
/// `BatchNorm1d(1)`), mean squared error, SGD at lr 0.1, maybe StepLR(1, 0.5) per epoch;
/// it logs as the recipe says and records the lr at each epoch start and the parameters
/// after each batch.
final class CallbackRecipeModel: Module, TrainingModule {
    let linear: Linear
    let norm: BatchNorm1d?
    let recipe: CallbackRecipe
    var trace: [LightningCallbackRecipes.Batch] = []
    var epochLrs: [Double] = []
    override var namedChildren: [(String, Module)] {
        [("linear", linear)] + (norm.map { [("norm", $0 as Module)] } ?? [])
    }

    init(_ recipe: CallbackRecipe) {
        var generator = RandomGenerator(seed: 0)
        linear = Linear(3, 1, using: &generator)
        linear.weight.assign(Tensor(recipe.weight.joined().map(Float.init), shape: [1, 3]))
        linear.bias!.assign(Tensor(recipe.bias.map(Float.init)))
        norm = recipe.batchNorm == true ? BatchNorm1d(1) : nil
        self.recipe = recipe
    }

    private func loss(_ batch: Batch) -> Tensor {
        let output = linear(batch.inputs)
        return mseLoss(norm.map { $0(output) } ?? output, batch.targets!)
    }

    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let loss = loss(batch)
        if recipe.logReduceFx == true {
            log("loss_mean", loss, onStep: false, onEpoch: true, reduceFx: .mean)
            log("loss_sum", loss, onStep: false, onEpoch: true, reduceFx: .sum)
            log("loss_max", loss, onStep: true, onEpoch: true, reduceFx: .max)
            log("loss_min", loss, onStep: false, onEpoch: true, reduceFx: .min)
        }
        return loss
    }

    func validationStep(_ batch: Batch, batchIndex: Int) throws {
        let loss = loss(batch)
        logDict(["val_mean": loss], reduceFx: .mean)
        logDict(["val_sum": loss], reduceFx: .sum)
        logDict(["val_max": loss], reduceFx: .max)
        logDict(["val_min": loss], reduceFx: .min)
    }

    func onTrainEpochStart() throws {
        epochLrs.append(trainer.optimizers[0].paramGroups[0].lr)
    }

    func onTrainBatchEnd(_ batch: Batch, batchIndex: Int) throws {
        trace.append(.init(epoch: trainer.currentEpoch, batch: batchIndex, globalStep: trainer.globalStep,
                           parameters: linearParameters))
    }

    var linearParameters: [Double] { [linear.weight, linear.bias!].flatMap { $0.scalars.map(Double.init) } }

    func configureOptimizers() throws -> OptimizerConfiguration {
        let sgd = try SGD(parameters(), lr: 0.1)
        guard recipe.stepLr == true else { return OptimizerConfiguration(sgd) }
        return OptimizerConfiguration(sgd, scheduler: try StepLR(sgd, stepSize: 1, gamma: 0.5))
    }
}

/// The recipe's training data, each rank's share of every batch read in the recorded order.
func recipeLoaders(_ recipe: CallbackRecipe, worldSize: Int) throws -> (train: DataLoader, validation: DataLoader?) {
    func dataset(_ inputs: [[Double]], _ targets: [[Double]]) -> TensorDataset {
        TensorDataset(inputs: Tensor(inputs.joined().map(Float.init), shape: [inputs.count, 3]),
                      targets: Tensor(targets.joined().map(Float.init), shape: [targets.count, 1]))
    }
    let train = try DataLoader(dataset(recipe.inputs, recipe.targets), batchSize: recipe.batchSize / worldSize, shuffle: false)
    let validation = recipe.validation == true
        ? try DataLoader(dataset(recipe.valInputs, recipe.valTargets), batchSize: 2, shuffle: false) : nil
    return (train, validation)
}

/// Relative 1e-5, with a floor of 1e-6 for values near zero: float32 arithmetic done in
/// another order than torch's.
func closeToLightning(_ mine: [Double], _ theirs: [Double]) -> Bool {
    mine.count == theirs.count && zip(mine, theirs).allSatisfy { abs($0 - $1) <= 1e-5 * abs($1) + 1e-6 }
}

struct CallbackReplay {
    let model: CallbackRecipeModel
    let trainer: Trainer
    let swa: StochasticWeightAveraging?
}

/// Replays `recipe` with the callbacks it names, on this rank of `communicator`.
func replayCallbackRecipe(_ recipe: CallbackRecipe, communicator: any Communicator,
                          extraCallbacks: [any Callback] = [], checkpoint: String? = nil) throws -> CallbackReplay {
    var callbacks: [any Callback] = []
    if let scheduling = recipe.scheduling { callbacks.append(try GradientAccumulationScheduler(scheduling: scheduling)) }
    let swa = try recipe.makeSWA()
    if let swa { callbacks.append(swa) }
    let trainer = try Trainer(maxEpochs: recipe.maxEpochs, logEveryNSteps: 1, communicator: communicator,
                              callbacks: callbacks + extraCallbacks, enableProgressBar: false, keepLoggedEvents: true)
    let model = CallbackRecipeModel(recipe)
    let loaders = try recipeLoaders(recipe, worldSize: communicator.worldSize)
    try trainer.fit(model, train: loaders.train, validation: loaders.validation, checkpointPath: checkpoint)
    return CallbackReplay(model: model, trainer: trainer, swa: swa)
}

/// Every batch's global step and parameters, and the final parameters, as Lightning's.
func expectSameTrace(_ run: CallbackReplay, as recipe: CallbackRecipe, _ label: String, batches: Int? = nil) {
    let expected = batches.map { Array(recipe.trace.prefix($0)) } ?? recipe.trace
    #expect(run.model.trace.count == expected.count, "\(label): \(run.model.trace.count) batches trained, Lightning \(expected.count)")
    for (mine, theirs) in zip(run.model.trace, expected) {
        let place = "\(label), epoch \(theirs.epoch) batch \(theirs.batch)"
        #expect(mine.epoch == theirs.epoch && mine.batch == theirs.batch, "\(place): got epoch \(mine.epoch) batch \(mine.batch)")
        #expect(mine.globalStep == theirs.globalStep, "\(place): global step \(mine.globalStep), Lightning \(theirs.globalStep)")
        #expect(closeToLightning(mine.parameters, theirs.parameters), "\(place): parameters \(mine.parameters), Lightning \(theirs.parameters)")
    }
}

private func expectSameEpochLrs(_ run: CallbackReplay, as recipe: CallbackRecipe, _ label: String, epochs: Int? = nil) {
    let expected = epochs.map { Array(recipe.epochLrs.prefix($0)) } ?? recipe.epochLrs
    #expect(run.model.epochLrs.count == expected.count && zip(run.model.epochLrs, expected).allSatisfy { abs($0 - $1) <= 1e-12 * $1 },
            "\(label): lr at each epoch start \(run.model.epochLrs), Lightning \(expected)")
}

/// Runs `body` on 1 rank and on each of 2 ranks (threads), labelled.
private func onOneAndTwoRanks(_ body: @escaping @Sendable (any Communicator, String) throws -> Void) throws {
    try body(LocalCommunicator(), "1 rank")
    let ranks = ThreadGroupCommunicator.run(worldSize: 2) { communicator in
        try body(communicator, "rank \(communicator.rank) of 2")
    }
    for result in ranks { try result.get() }
}

@Suite struct CallbackReferenceTests {
    @Test func fixturesSayWhichLightningMadeThem() throws {
        let recipes = try LightningCallbackRecipes.load()
        #expect(recipes.lightning.hasPrefix("2.6."))
        #expect(Set(recipes.recipes.keys) == ["accumulation_scheduler", "swa_cos", "swa_linear_replaces_step_lr",
                                              "swa_batch_norm", "log_reduce_fx"])
    }

    /// SWALR's learning rates as torch's, group by group, for each annealing recorded.
    @Test func swalrMatchesTorch() throws {
        let traces = try LightningCallbackRecipes.load().swalr
        #expect(traces.count == 5)
        for trace in traces {
            let sgd = try SGD([ParamGroup([Tensor.zeros([1], requiresGrad: true)], options: ["lr": 0.1]),
                               ParamGroup([Tensor.zeros([1], requiresGrad: true)], options: ["lr": 0.2])], lr: 0.1)
            let scheduler = try SWALR(sgd, swaLRs: [0.05, 0.01], annealEpochs: trace.annealEpochs,
                                      annealStrategy: try #require(SWALR.AnnealStrategy(rawValue: trace.annealStrategy)))
            var lrs = [sgd.paramGroups.map(\.lr)]
            for _ in 0..<6 {
                try scheduler.step()
                lrs.append(sgd.paramGroups.map(\.lr))
            }
            let label = "\(trace.annealStrategy) over \(trace.annealEpochs)"
            #expect(lrs.count == trace.lrs.count && zip(lrs, trace.lrs).allSatisfy { mine, theirs in
                mine.count == theirs.count && zip(mine, theirs).allSatisfy { abs($0 - $1) <= 1e-12 * abs($1) }
            }, "\(label): \(lrs), torch \(trace.lrs)")
        }
    }

    /// Factors 1, 2, 3, 3 over epochs of 7 batches: global step and parameters after every batch.
    @Test func gradientAccumulationSchedulerMatchesLightning() throws {
        let recipe = try LightningCallbackRecipes.recipe("accumulation_scheduler")
        try onOneAndTwoRanks { communicator, label in
            let run = try replayCallbackRecipe(recipe, communicator: communicator)
            expectSameTrace(run, as: recipe, "accumulation scheduler, \(label)")
            #expect(run.trainer.globalStep == recipe.finalGlobalStep)
            #expect(closeToLightning(run.model.linearParameters, recipe.finalParameters))
        }
    }

    @Test(arguments: ["swa_cos", "swa_linear_replaces_step_lr"])
    func stochasticWeightAveragingMatchesLightning(name: String) throws {
        let recipe = try LightningCallbackRecipes.recipe(name)
        try onOneAndTwoRanks { communicator, label in
            let run = try replayCallbackRecipe(recipe, communicator: communicator)
            let place = "\(name), \(label)"
            expectSameEpochLrs(run, as: recipe, place)
            expectSameTrace(run, as: recipe, place)
            #expect(run.swa?.averagedCount == recipe.nAveraged, "\(place): \(run.swa?.averagedCount ?? -1) models averaged, Lightning \(recipe.nAveraged ?? -1)")
            #expect(closeToLightning(run.model.linearParameters, recipe.finalParameters),
                    "\(place): final parameters \(run.model.linearParameters), Lightning \(recipe.finalParameters)")
        }
    }

    /// With BatchNorm, Lightning recomputes the running statistics in an extra epoch, in which
    /// it also steps SGD once with the gradients left from the last training step (global step
    /// 13, not 12), moving the averaged weights. swift-ddp keeps the average: its final weights
    /// are checked against the average of Lightning's recorded parameters at the epoch starts
    /// it averages, and the statistics (computed before that step) against Lightning's.
    @Test func stochasticWeightAveragingRecomputesBatchNormStatistics() throws {
        let recipe = try LightningCallbackRecipes.recipe("swa_batch_norm")
        let run = try replayCallbackRecipe(recipe, communicator: LocalCommunicator())
        let trainedBatches = recipe.maxEpochs * (recipe.samples / recipe.batchSize)
        expectSameTrace(run, as: recipe, "swa with batch norm", batches: trainedBatches)
        expectSameEpochLrs(run, as: recipe, "swa with batch norm", epochs: recipe.maxEpochs)
        #expect(run.trainer.globalStep == recipe.finalGlobalStep - 1)
        #expect(run.swa?.averagedCount == recipe.nAveraged)

        // Averaged at the starts of epochs 1, 2 and 3: the parameters at the ends of epochs 0, 1 and 2.
        let epochEnds = (0..<3).map { epoch in recipe.trace.last { $0.epoch == epoch }!.parameters }
        let average = (0..<4).map { index in epochEnds.map { $0[index] }.reduce(0, +) / 3 }
        #expect(closeToLightning(run.model.linearParameters, average), "final \(run.model.linearParameters), average \(average)")

        let norm = try #require(run.model.norm)
        let lightning = try #require(recipe.finalNorm)
        #expect(closeToLightning(norm.runningMean!.scalars.map(Double.init), lightning["running_mean"]!))
        #expect(closeToLightning(norm.runningVariance!.scalars.map(Double.init), lightning["running_var"]!))
        #expect(norm.batchesTracked!.scalars == lightning["num_batches_tracked"]!.map(Float.init))
        #expect(norm.momentum == 0.1, "the momentum is restored after the cumulative pass")
    }

    /// Every value Lightning handed to its logger for metrics logged with each `reduce_fx`,
    /// in training (batches of 3, 3, 3, 3, 1: the mean is weighted) and validation (2, 2, 1).
    @Test func logReduceFxMatchesLightning() throws {
        let recipe = try LightningCallbackRecipes.recipe("log_reduce_fx")
        let run = try replayCallbackRecipe(recipe, communicator: LocalCommunicator())
        var theirs: [String: [Double]] = [:]
        for call in recipe.logged { for (name, value) in call.metrics { theirs[name, default: []].append(value) } }
        var mine: [String: [Double]] = [:]
        for event in run.trainer.loggedEvents { for value in event.values { mine[value.name, default: []].append(value.value) } }
        #expect(Set(mine.keys) == Set(theirs.keys), "logged \(mine.keys.sorted()), Lightning \(theirs.keys.sorted())")
        #expect(theirs.keys.count == 9)
        for (name, values) in theirs {
            #expect(closeToLightning(mine[name] ?? [], values), "\(name): \(mine[name] ?? []), Lightning \(values)")
        }
        expectSameTrace(run, as: recipe, "log reduce_fx")
    }
}
