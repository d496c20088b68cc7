import DDPOptim
import DDPTensor
import DDPTestSupport
import Foundation
import Testing

/// `schedulers.json`: learning rates (and cycled momentum) recorded from torch schedulers.
struct SchedulerReference: Decodable {
    struct Case: Decodable {
        var name: String
        var scheduler: String
        var baseLrs: [Double]
        var nSteps: Int
        var lr: [[Double]]
        var momentum: [[Double]]?
    }
    struct Plateau: Decodable {
        struct Options: Decodable {
            var mode: String, factor: Double, patience: Int, threshold: Double, thresholdMode: String
            var cooldown: Int, minLrs: [Double], eps: Double
        }
        var name: String
        var options: Options
        var baseLrs: [Double]
        var metrics: [Double]
        var lrAfterStep: [[Double]]
    }
    struct Keras: Decodable {
        var name: String
        var initialLearningRate: Double, decaySteps: Int, decayRate: Double, staircase: Bool
        var step: [Int]
        var lr: [Double]
    }
    var cases: [Case]
    var plateau: [Plateau]
    var keras: [Keras]
}

/// The optimizer of a scheduler case: SGD with momentum 0.9 (Adam where the case says so),
/// one group per base lr, each over its own small parameter.
func makeScheduledOptimizer(_ baseLRs: [Double], adam: Bool = false) throws -> any Optimizer {
    let groups = baseLRs.map { ParamGroup([Tensor([1, 2], requiresGrad: true)], options: ["lr": .number($0)]) }
    return adam ? try Adam(groups) : try SGD(groups, momentum: 0.9)
}

/// The scheduler each case's description names, built with those arguments.
func makeScheduler(_ name: String, _ optimizer: any Optimizer) throws -> any LRScheduler {
    switch name {
    case "StepLR_10_0.5": return try StepLR(optimizer, stepSize: 10, gamma: 0.5)
    case "StepLR_groups": return try StepLR(optimizer, stepSize: 7, gamma: 0.3)
    case "MultiStepLR": return try MultiStepLR(optimizer, milestones: [15, 30, 45], gamma: 0.1)
    case "ExponentialLR": return try ExponentialLR(optimizer, gamma: 0.95)
    case "CosineAnnealingLR_T60": return try CosineAnnealingLR(optimizer, tMax: 60, etaMin: 1e-3)
    case "CosineAnnealingWarmRestarts_T0_5_Tmult2":
        return try CosineAnnealingWarmRestarts(optimizer, t0: 5, tMult: 2, etaMin: 1e-3)
    case "OneCycleLR_cos_three_phase_False": return try OneCycleLR(optimizer, maxLR: [0.1], totalSteps: 60)
    case "OneCycleLR_cos_three_phase_True":
        return try OneCycleLR(optimizer, maxLR: [0.1], totalSteps: 60, threePhase: true)
    case "OneCycleLR_linear_three_phase_False":
        return try OneCycleLR(optimizer, maxLR: [0.1], totalSteps: 60, annealStrategy: .linear)
    case "OneCycleLR_adam_cos": return try OneCycleLR(optimizer, maxLR: [0.01], totalSteps: 60)
    case "LinearLR": return try LinearLR(optimizer, startFactor: 0.1, endFactor: 1, totalIters: 10)
    case "LinearLR_decay": return try LinearLR(optimizer, startFactor: 1, endFactor: 0.05, totalIters: 40)
    case "ConstantLR": return try ConstantLR(optimizer, factor: 0.5, totalIters: 10)
    case "PolynomialLR": return try PolynomialLR(optimizer, totalIters: 40, power: 2)
    case "CyclicLR_triangular":
        return try CyclicLR(optimizer, baseLR: [0.01], maxLR: [0.1], stepSizeUp: 5, mode: .triangular)
    case "CyclicLR_triangular2":
        return try CyclicLR(optimizer, baseLR: [0.01], maxLR: [0.1], stepSizeUp: 5, stepSizeDown: 10, mode: .triangular2)
    case "CyclicLR_no_momentum_cycle":
        // The description leaves out the step size; the recorded rise is 6 steps long.
        return try CyclicLR(optimizer, baseLR: [0.01], maxLR: [0.1], stepSizeUp: 6, cycleMomentum: false)
    case "SequentialLR_warmup_cosine":
        let warmup = try LinearLR(optimizer, startFactor: 0.1, endFactor: 1, totalIters: 5)
        let cosine = try CosineAnnealingLR(optimizer, tMax: 55, etaMin: 0)
        return try SequentialLR(optimizer, schedulers: [warmup, cosine], milestones: [5])
    case "ChainedScheduler_const_exp":
        return try ChainedScheduler([try ConstantLR(optimizer, factor: 0.5, totalIters: 5),
                                     try ExponentialLR(optimizer, gamma: 0.95)])
    default: throw OptimizerError("no scheduler set up for case \(name)")
    }
}

/// The momentum a scheduler cycles: SGD's momentum or Adam's beta1, per group.
func cycledMomentum(_ optimizer: any Optimizer) -> [Double] {
    optimizer.paramGroups.map { $0["betas"] != nil ? $0.betas.0 : $0.momentum }
}

@Suite struct SchedulerReplayTests {
    static let reference = try! loadReference("schedulers.json", as: SchedulerReference.self)

    @Test(arguments: reference.cases.map(\.name))
    func scheduleMatchesTorch(_ name: String) throws {
        let testCase = Self.reference.cases.first { $0.name == name }!
        let optimizer = try makeScheduledOptimizer(testCase.baseLrs, adam: name.contains("adam"))
        let scheduler = try makeScheduler(name, optimizer)
        var tolerance = Tolerance(rtol: 1e-5, atol: 1e-12)
        for (i, expected) in testCase.lr.enumerated() {
            if i > 0 {
                try optimizer.step()
                try scheduler.step()
            }
            tolerance.check(optimizer.paramGroups.map(\.lr), expected, "after \(i) steps lr")
            tolerance.check(scheduler.lastLR, expected, "after \(i) steps lastLR")
            if let momentum = testCase.momentum?[i] {
                tolerance.check(cycledMomentum(optimizer), momentum, "after \(i) steps momentum")
            }
        }
        print("schedulers.json \(name): \(tolerance.summary)")
        #expect(tolerance.passed, "\(name): \(tolerance.summary)")
    }

    @Test(arguments: reference.plateau.map(\.name))
    func plateauMatchesTorch(_ name: String) throws {
        let testCase = Self.reference.plateau.first { $0.name == name }!
        let options = testCase.options
        let optimizer = try makeScheduledOptimizer(testCase.baseLrs)
        let scheduler = try ReduceLROnPlateau(
            optimizer, mode: options.mode == "min" ? .min : .max, factor: options.factor, patience: options.patience,
            threshold: options.threshold, thresholdMode: options.thresholdMode == "rel" ? .rel : .abs,
            cooldown: options.cooldown, minLR: options.minLrs, eps: options.eps)
        var tolerance = Tolerance(rtol: 1e-5, atol: 1e-12)
        for (i, metric) in testCase.metrics.enumerated() {
            scheduler.step(metric: metric)
            tolerance.check(scheduler.lastLR, testCase.lrAfterStep[i], "after metric \(i)")
        }
        print("schedulers.json \(name): \(tolerance.summary)")
        #expect(tolerance.passed, "\(name): \(tolerance.summary)")
    }

    /// Keras's ExponentialDecay, driving two optimizers at once through `ScheduledLR`.
    @Test(arguments: reference.keras.map(\.name))
    func exponentialDecayMatchesFormula(_ name: String) throws {
        let testCase = Self.reference.keras.first { $0.name == name }!
        let schedule = ExponentialDecay(initialLearningRate: testCase.initialLearningRate, decaySteps: testCase.decaySteps,
                                        decayRate: testCase.decayRate, staircase: testCase.staircase)
        let first = try makeScheduledOptimizer([1]), second = try makeScheduledOptimizer([1, 1], adam: true)
        let driver = try ScheduledLR(schedule, optimizers: [first, second])
        var tolerance = Tolerance(rtol: 1e-5, atol: 1e-12)
        for (step, expected) in zip(testCase.step, testCase.lr) {
            while driver.lastEpoch < step { try driver.step() }
            tolerance.check(schedule.learningRate(atStep: step), expected, "schedule at step \(step)")
            tolerance.check(driver.lastLR, [expected, expected, expected], "optimizers' lr at step \(step)")
        }
        print("schedulers.json \(name): \(tolerance.summary)")
        #expect(tolerance.passed, "\(name): \(tolerance.summary)")
    }
}
