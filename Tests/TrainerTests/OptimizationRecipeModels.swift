import Foundation
import SwiftDDP

/// Per batch, what PyTorch Lightning 2.6 did in the optimization recipes of its guide
/// (clipping, a warm-up in `optimizerStep`, LBFGS with a closure, manual optimization with
/// two optimizers and their schedulers), recorded by
/// Tests/Reference/lightning_optimization_traces.py with the initial weights and the data.
struct LightningOptimizationTraces: Decodable {
    struct Recipe: Decodable {
        struct Initial: Decodable {
            let weight: [[Double]]
            let bias: [Double]
            let generatorWeight: [[Double]]
            let generatorBias: [Double]
        }
        struct Batch: Decodable {
            let epoch: Int
            let batch: Int
            let globalStep: Int
            /// The optimizers that stepped during the batch.
            let stepped: [Int]
            /// Per optimizer, each param group's lr at the batch's end.
            let lrs: [[Double]]
            /// Per optimizer, the norm of its gradients at the batch's end (after clipping).
            let gradientNorms: [Double]
            let parameters: [Double]
        }
        struct LBFGSSettings: Decodable {
            let lr: Double
            let maxIter: Int
            let lineSearchFn: String?
        }
        struct LoggerCall: Decodable {
            let step: Int
            let values: [String: Double]
        }
        let optimizer: String
        let manual: Bool
        let maxEpochs: Int
        let accumulateGradBatches: Int
        let gradientClipVal: Double?
        let gradientClipAlgorithm: String?
        let warmupSteps: Int?
        let groupLrs: [Double]?
        let lbfgs: LBFGSSettings?
        let batchSize: Int
        let inputs: [[Double]]
        let targets: [[Double]]
        let initial: Initial
        let finalGlobalStep: Int
        let trace: [Batch]
        let logged: [LoggerCall]
    }
    let lightning: String
    let recipes: [String: Recipe]

    static func load() throws -> LightningOptimizationTraces {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Reference/optimization_traces.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(LightningOptimizationTraces.self, from: Data(contentsOf: url))
    }
}

typealias OptimizationRecipe = LightningOptimizationTraces.Recipe

private func tensor(_ rows: [[Double]]) -> Tensor {
    Tensor(rows.joined().map(Float.init), shape: [rows.count, rows.first?.count ?? 0])
}

/// Records the script's trace at each batch's end: the optimizers whose step count grew,
/// the lrs, the gradient norms and the parameters.
final class OptimizationTraceRecorder: Callback {
    var trace: [OptimizationRecipe.Batch] = []
    private var stepCounts: [Int] = []

    func onTrainBatchStart(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws {
        stepCounts = trainer.optimizers.map(\.stepCount)
    }

    func onTrainBatchEnd(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws {
        let optimizers = trainer.optimizers
        trace.append(.init(
            epoch: trainer.currentEpoch, batch: batchIndex, globalStep: trainer.globalStep,
            stepped: optimizers.indices.filter { optimizers[$0].stepCount > stepCounts[$0] },
            lrs: optimizers.map { $0.paramGroups.map(\.lr) },
            gradientNorms: optimizers.map { gradientNorm($0.optimizer.allParameters) },
            parameters: module.parameters().flatMap { $0.scalars.map(Double.init) }))
    }
}

/// The script's `Regression`: `Linear(3, 1)` from the recorded weights, mean squared error,
/// SGD with momentum (two param groups and the guide's warm-up in `optimizerStep`), or LBFGS.
final class RegressionRecipeModule: Module, TrainingModule {
    let linear: Linear
    let recipe: OptimizationRecipe
    override var namedChildren: [(String, Module)] { [("linear", linear)] }

    init(_ recipe: OptimizationRecipe) {
        var generator = RandomGenerator(seed: 0)
        linear = Linear(3, 1, using: &generator)
        linear.weight.assign(tensor(recipe.initial.weight))
        linear.bias!.assign(Tensor(recipe.initial.bias.map(Float.init)))
        self.recipe = recipe
    }

    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let loss = mseLoss(linear(batch.inputs), batch.targets!)
        log("train_loss", loss, syncDist: true)
        return loss
    }

    func optimizerStep(epoch: Int, batchIndex: Int, optimizer: ManagedOptimizer, optimizerIndex: Int,
                       closure: @escaping OptimizerClosure) throws {
        try optimizer.step(closure: closure)
        // The guide's warm-up: after each of the first steps, the lr grows linearly.
        if let warmup = recipe.warmupSteps, let bases = recipe.groupLrs, trainer.globalStep < warmup {
            let scale = min(1, Double(trainer.globalStep + 1) / Double(warmup))
            for (group, base) in bases.enumerated() { optimizer.paramGroups[group].lr = scale * base }
        }
    }

    func configureOptimizers() throws -> OptimizerConfiguration {
        switch recipe.optimizer {
        case "lbfgs":
            guard let settings = recipe.lbfgs else { throw TrainerError("the recorded LBFGS recipe has no lbfgs settings") }
            return OptimizerConfiguration(try LBFGS(parameters(), lr: settings.lr, maxIter: settings.maxIter,
                                                    lineSearchFn: settings.lineSearchFn))
        case "sgd_groups":
            let lrs = recipe.groupLrs ?? []
            return OptimizerConfiguration(try SGD([ParamGroup([linear.weight], options: ["lr": .number(lrs[0])]),
                                                   ParamGroup([linear.bias!], options: ["lr": .number(lrs[1])])],
                                                  lr: lrs[0], momentum: 0.9))
        default:
            return OptimizerConfiguration(try SGD(parameters(), lr: 0.1, momentum: 0.9))
        }
    }
}

/// The script's `ManualGAN`: the discriminator steps on even batches (clipped by norm), the
/// generator on odd ones (toggled); the module steps the discriminator's scheduler at each of
/// its steps and the generator's once per epoch.
final class ManualGANRecipeModule: Module, TrainingModule {
    let generator: Linear
    let discriminator: Linear
    var automaticOptimization: Bool { false }
    override var namedChildren: [(String, Module)] { [("generator", generator), ("discriminator", discriminator)] }

    init(_ recipe: OptimizationRecipe) {
        var random = RandomGenerator(seed: 0)
        generator = Linear(3, 3, using: &random)
        discriminator = Linear(3, 1, using: &random)
        generator.weight.assign(tensor(recipe.initial.generatorWeight))
        generator.bias!.assign(Tensor(recipe.initial.generatorBias.map(Float.init)))
        discriminator.weight.assign(tensor(recipe.initial.weight))
        discriminator.bias!.assign(Tensor(recipe.initial.bias.map(Float.init)))
    }

    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let (inputs, targets) = (batch.inputs, batch.targets!)
        let (generatorOptimizer, discriminatorOptimizer): (ManagedOptimizer, ManagedOptimizer) = optimizers()
        let (generatorScheduler, discriminatorScheduler): (any LRScheduler, any LRScheduler) = lrSchedulers()
        let loss: Tensor
        if batchIndex % 2 == 0 {
            let fake = generator(inputs).detached()
            loss = mseLoss(discriminator(inputs), targets) + mseLoss(discriminator(fake), Tensor.zeros(like: targets))
            discriminatorOptimizer.zeroGrad()
            try manualBackward(loss)
            try clipGradients(discriminatorOptimizer, gradientClipVal: 0.5, gradientClipAlgorithm: .norm)
            try discriminatorOptimizer.step()
            try discriminatorScheduler.step()
        } else {
            toggleOptimizer(generatorOptimizer)
            loss = mseLoss(discriminator(generator(inputs)), targets)
            generatorOptimizer.zeroGrad()
            try manualBackward(loss)
            try generatorOptimizer.step()
            untoggleOptimizer(generatorOptimizer)
        }
        if trainer.isLastBatch { try generatorScheduler.step() }
        log("train_loss", loss, syncDist: true)
        return nil
    }

    func configureOptimizers() throws -> OptimizerConfiguration {
        let generatorOptimizer = try SGD(generator.parameters(), lr: 0.05, momentum: 0.5)
        let discriminatorOptimizer = try SGD(discriminator.parameters(), lr: 0.1, momentum: 0.5)
        return OptimizerConfiguration(
            optimizers: [generatorOptimizer, discriminatorOptimizer],
            schedulers: [try StepLR(generatorOptimizer, stepSize: 1, gamma: 0.5),
                         try StepLR(discriminatorOptimizer, stepSize: 2, gamma: 0.8)])
    }
}

/// Replays `recipe` on this rank of `communicator` (each rank reads its share of every
/// recorded batch, in the recorded order); returns the trace, the logged events and the
/// final global step.
func replayOptimizationRecipe(
    _ recipe: OptimizationRecipe, communicator: any Communicator
) throws -> (trace: [OptimizationRecipe.Batch], logged: [MetricsRecord], globalStep: Int) {
    let data = TensorDataset(inputs: tensor(recipe.inputs), targets: tensor(recipe.targets))
    let recorder = OptimizationTraceRecorder()
    let trainer = try Trainer(
        maxEpochs: recipe.maxEpochs, accumulateGradBatches: recipe.accumulateGradBatches,
        gradientClipVal: recipe.gradientClipVal,
        gradientClipAlgorithm: recipe.gradientClipAlgorithm == "value" ? .value : .norm,
        logEveryNSteps: 1, communicator: communicator, callbacks: [recorder], enableProgressBar: false,
        keepLoggedEvents: true)
    let loader = try DataLoader(data, batchSize: recipe.batchSize / communicator.worldSize, shuffle: false)
    if recipe.manual {
        try trainer.fit(ManualGANRecipeModule(recipe), train: loader)
    } else {
        try trainer.fit(RegressionRecipeModule(recipe), train: loader)
    }
    return (recorder.trace, trainer.loggedEvents, trainer.globalStep)
}
