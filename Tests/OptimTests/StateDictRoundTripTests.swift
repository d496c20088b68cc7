import DDPOptim
import DDPTensor
import Foundation
import Testing

/// Stopping after k steps and resuming from state dicts must give bitwise the same
/// parameters as the uninterrupted run. The state dicts go through the checkpoint split
/// (named tensors + JSON metadata) on the way.
@Suite struct StateDictRoundTripTests {
    typealias OptimizerFactory = ([Tensor]) throws -> any Optimizer
    typealias SchedulerFactory = (any Optimizer) throws -> (any LRScheduler)?

    static let problem = LinearRegression(
        x: OptimizerReplayTests.reference.problemLinreg.X, y: OptimizerReplayTests.reference.problemLinreg.Y)

    static func freshParameters() -> [Tensor] {
        let reference = OptimizerReplayTests.reference.problemLinreg
        return [Tensor(reference.W0.flatMap { $0 }.map(Float.init), shape: [2, 3], requiresGrad: true),
                Tensor(reference.b0.map(Float.init), requiresGrad: true)]
    }

    /// Steps `steps` times from `parameters`; a plateau scheduler watches the loss.
    static func train(_ parameters: [Tensor], _ optimizer: any Optimizer, _ scheduler: (any LRScheduler)?, steps: Range<Int>) throws {
        for _ in steps {
            optimizer.zeroGrad()
            let loss = problem.lossAndGradients(W: parameters[0], b: parameters[1])
            try optimizer.step()
            if let plateau = scheduler as? ReduceLROnPlateau {
                plateau.step(metric: (loss * 100).rounded() / 100)  // coarse, so it plateaus
            } else {
                try scheduler?.step()
            }
        }
    }

    /// Through the checkpoint format: tensors by name, the rest through JSON.
    static func throughCheckpoint(_ dict: OptimizerStateDict) throws -> OptimizerStateDict {
        let json = try JSONEncoder().encode(dict.metadata)
        let metadata = try JSONDecoder().decode(OptimizerStateDict.Metadata.self, from: json)
        return try OptimizerStateDict(metadata: metadata, namedTensors: dict.namedTensors)
    }

    static func throughJSON(_ dict: SchedulerStateDict) throws -> SchedulerStateDict {
        try JSONDecoder().decode(SchedulerStateDict.self, from: JSONEncoder().encode(dict))
    }

    func checkResume(_ makeOptimizer: OptimizerFactory, _ makeScheduler: SchedulerFactory,
                     steps: Int = 30, stopAt: Int = 13) throws {
        let straight = Self.freshParameters()
        let optimizer = try makeOptimizer(straight)
        try Self.train(straight, optimizer, try makeScheduler(optimizer), steps: 0..<steps)

        let first = Self.freshParameters()
        let firstOptimizer = try makeOptimizer(first)
        let firstScheduler = try makeScheduler(firstOptimizer)
        try Self.train(first, firstOptimizer, firstScheduler, steps: 0..<stopAt)
        let optimizerState = try Self.throughCheckpoint(firstOptimizer.stateDict())
        let schedulerState = try firstScheduler.map { try Self.throughJSON($0.stateDict()) }
        // Keep training the first copy: the saved dicts must not alias its buffers.
        try Self.train(first, firstOptimizer, firstScheduler, steps: stopAt..<(stopAt + 2))

        let resumed = Self.freshParameters()
        let snapshot = Self.freshParameters()
        // The parameters as they were at the stop (the model checkpoint's job).
        let replay = try makeOptimizer(snapshot)
        try Self.train(snapshot, replay, try makeScheduler(replay), steps: 0..<stopAt)
        for (r, s) in zip(resumed, snapshot) { r.assign(s) }
        let resumedOptimizer = try makeOptimizer(resumed)
        let resumedScheduler = try makeScheduler(resumedOptimizer)
        try resumedOptimizer.load(stateDict: optimizerState)
        if let schedulerState { try resumedScheduler?.load(stateDict: schedulerState) }
        try Self.train(resumed, resumedOptimizer, resumedScheduler, steps: stopAt..<steps)

        for (a, b) in zip(resumed, straight) {
            #expect(a.scalars.map(\.bitPattern) == b.scalars.map(\.bitPattern), "resumed \(a.scalars) vs straight \(b.scalars)")
        }
        #expect(resumedOptimizer.paramGroups.map(\.lr) == optimizer.paramGroups.map(\.lr))
    }

    @Test func sgdMomentumWithOneCycle() throws {
        try checkResume({ try SGD($0, lr: 0.1, momentum: 0.9, nesterov: true) },
                        { try OneCycleLR($0, maxLR: [0.2], totalSteps: 30) })
    }

    @Test func adamAmsgradWithStepLR() throws {
        try checkResume({ try Adam([ParamGroup([$0[0]]), ParamGroup([$0[1]], options: ["lr": 0.01])], lr: 0.05, amsgrad: true) },
                        { try StepLR($0, stepSize: 4, gamma: 0.7) })
    }

    @Test func adamWithOneCycleCyclingBeta1() throws {
        try checkResume({ try AdamW($0, lr: 0.05) }, { try OneCycleLR($0, maxLR: [0.05], totalSteps: 30, threePhase: true) })
    }

    @Test func rmspropWithReduceLROnPlateau() throws {
        try checkResume({ try RMSprop($0, lr: 0.01, momentum: 0.5, centered: true) },
                        { try ReduceLROnPlateau($0, factor: 0.5, patience: 1, cooldown: 1) })
    }

    @Test func nadamWithWarmRestartsAndSequential() throws {
        try checkResume({ try NAdam($0, lr: 0.02) }, { try CosineAnnealingWarmRestarts($0, t0: 3, tMult: 2) })
        try checkResume({ try SGD($0, lr: 0.1, momentum: 0.9) }, { optimizer in
            try SequentialLR(optimizer, schedulers: [try LinearLR(optimizer, startFactor: 0.1, totalIters: 5),
                                                     try CosineAnnealingLR(optimizer, tMax: 25)], milestones: [5])
        })
        try checkResume({ try Adagrad($0, lr: 0.1) }, { optimizer in
            try ChainedScheduler([try ConstantLR(optimizer, factor: 0.5, totalIters: 5), try ExponentialLR(optimizer, gamma: 0.95)])
        })
        try checkResume({ try SGD($0, lr: 0.1, momentum: 0.9) }, {
            try CyclicLR($0, baseLR: [0.01], maxLR: [0.1], stepSizeUp: 4, mode: .expRange, gamma: 0.99)
        })
    }

    /// LBFGS keeps Double history (float64 tensors in the state dict) on its first parameter.
    @Test func lbfgsResumesBitwise() throws {
        func run(stopAt: Int?, steps: Int) throws -> [Float] {
            var x = Tensor([-1.5, 2.0], requiresGrad: true)
            var optimizer = try LBFGS([x], lr: 1, maxIter: 5, lineSearchFn: "strong_wolfe")
            for k in 0..<steps {
                if k == stopAt {
                    let saved = try Self.throughCheckpoint(optimizer.stateDict())
                    #expect(saved.namedTensors["0.old_dirs"] != nil)
                    let point = x.copy()
                    x = Tensor(point.scalars, requiresGrad: true)
                    optimizer = try LBFGS([x], lr: 1, maxIter: 5, lineSearchFn: "strong_wolfe")
                    try optimizer.load(stateDict: saved)
                }
                try optimizer.step(closure: rosenbrockClosure(x))
            }
            return x.scalars
        }
        let straight = try run(stopAt: nil, steps: 6)
        let resumed = try run(stopAt: 3, steps: 6)
        #expect(straight.map(\.bitPattern) == resumed.map(\.bitPattern), "straight \(straight), resumed \(resumed)")
        #expect(straight != [-1.5, 2.0])
    }
}
