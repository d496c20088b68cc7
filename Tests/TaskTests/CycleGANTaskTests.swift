import DDPTasks
import DDPTestSupport
import Foundation
import Testing

// Serialized: training cases running side by side on a small machine mostly wait on each other.
@Suite(.serialized) struct CycleGANTaskTests {
    @Test(arguments: [DigitTransform.inverted, .rotated])
    func cycleErrorFallsFiveFold(transform: DigitTransform) throws {
        let task = try CycleGANTask(CycleGANOptions(transform: transform, optimizers: .single(learningRate: 1e-3)))
        let run = try fitTask(task, epochs: 60, globalBatchSize: 64, validate: true) { try task.loaders(batchSize: $0) }
        let cycle = run.values("cycle_loss")
        let (first, last) = endpoints(cycle, count: 5)
        print("CycleGAN \(transform): cycle_loss \(first) -> \(last) (\(first / last)x), val_cycle_loss \(run.metrics["val_cycle_loss"] ?? .nan), \(cycle.count) steps in \(run.seconds) s")
        #expect(cycle.count == 780)
        #expect(first / last >= 5)
        #expect(run.metrics["val_cycle_loss"]! < first / 5, "the held-out digits do not cycle as well")
        for name in ["adv_loss", "d_loss", "g_loss", "train_loss"] {
            #expect(run.values(name).count == cycle.count && run.values(name).allSatisfy(\.isFinite), "\(name)")
        }
    }

    static let layouts: [(name: String, optimizers: CycleGANOptions.Optimizers)] = [
        ("single", .single(learningRate: 1e-3)),
        ("separate", .independent(generatorA: 1e-3, generatorB: 5e-4, discriminatorA: 2e-3, discriminatorB: 1e-4)),
        ("shared schedule", .sharedSchedule(ExponentialDecay(initialLearningRate: 2e-3, decaySteps: 2, decayRate: 0.5))),
    ]

    @Test(arguments: 0..<3)
    func trainsAlikeOnTwoRanksAndOneProcess(layout: Int) throws {
        let (name, optimizers) = Self.layouts[layout]
        let steps = 5
        let (single, distributed) = try singleAndTwoRanks { communicator in
            let task = try CycleGANTask(CycleGANOptions(transform: .rotated, optimizers: optimizers, hiddenSize: 32))
            return try fitTask(task, steps: steps, globalBatchSize: 32, communicator: communicator) { try task.loaders(batchSize: $0) }
        }
        expectSameTraining(single, distributed, names: ["adv_loss", "cycle_loss", "g_loss", "d_loss", "train_loss"], steps: steps)
        switch layout {
        case 0: #expect(single.learningRates == [1e-3], "\(name)")
        case 1: #expect(single.learningRates == [1e-3, 5e-4, 2e-3, 1e-4], "\(name)")
        default:
            // Five steps of a schedule halving every 2 steps, on all four optimizers.
            let expected = 2e-3 * pow(0.5, 2.5)
            #expect(single.learningRates.allSatisfy { abs($0 - expected) < 1e-12 }, "\(name): \(single.learningRates)")
        }
    }

    @Test func transformsUndoThemselves() throws {
        let images = try DigitDomains(transform: .inverted).validation.inputs
        #expect(DigitTransform.inverted.apply(to: DigitTransform.inverted.apply(to: images)).scalars == images.scalars)
        var rotated = images
        for _ in 0..<4 { rotated = DigitTransform.rotated.apply(to: rotated) }
        #expect(rotated.scalars == images.scalars)
        #expect(DigitTransform.rotated.apply(to: images).scalars != images.scalars)
        // The top-left pixel of a clockwise quarter turn comes from the bottom-left one.
        #expect(DigitTransform.rotated.apply(to: images).scalars[0] == images.scalars[56])
    }

    @Test func domainsAreUnpaired() throws {
        let domains = try DigitDomains(transform: .inverted)
        let a = domains.training.inputs, b = domains.training.targets!
        #expect(a.shape == b.shape && a.shape[1] == 64)
        #expect(DigitTransform.inverted.apply(to: a).scalars != b.scalars)
        #expect(DigitTransform.inverted.apply(to: domains.validation.inputs).scalars == domains.validation.targets!.scalars)
    }

    @Test func commandLineFlagsChooseTheOptimizers() throws {
        guard case .single(let rate) = try CycleGANOptions.Optimizers(layout: .single, learningRate: 2e-4) else {
            Issue.record("single is not one optimizer"); return
        }
        #expect(rate == 2e-4)
        guard case let .independent(gA, gB, dA, dB) = try CycleGANOptions.Optimizers(
            layout: .separate, learningRate: 2e-4, generatorB: 5e-4, discriminatorA: 1e-4) else {
            Issue.record("separate with rates is not four independent optimizers"); return
        }
        #expect([gA, gB, dA, dB] == [2e-4, 5e-4, 1e-4, 2e-4])
        guard case .sharedSchedule(let schedule) = try CycleGANOptions.Optimizers(
            layout: .separate, learningRate: 2e-4, decaySteps: 10_000, decayRate: 0.9) else {
            Issue.record("separate with a decay is not a shared schedule"); return
        }
        #expect(schedule == ExponentialDecay(initialLearningRate: 2e-4, decaySteps: 10_000, decayRate: 0.9))
        #expect(throws: TaskError.self) { try CycleGANOptions.Optimizers(layout: .single, learningRate: 1e-3, generatorA: 1e-4) }
        #expect(throws: TaskError.self) {
            try CycleGANOptions.Optimizers(layout: .separate, learningRate: 1e-3, generatorA: 1e-4, decaySteps: 10, decayRate: 0.9)
        }
        #expect(throws: TaskError.self) { try CycleGANOptions.Optimizers(layout: .separate, learningRate: 1e-3, decaySteps: 10) }
        #expect(CycleGANOptions.Layout(rawValue: "separate") == .separate)
    }
}
