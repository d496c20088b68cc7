import DDPTestSupport
import Foundation
import OptimizationExamples
import SwiftDDP
import Testing

/// What each example of the optimization guide promises, checked in one process.
/// (96 samples in batches of 16: 6 batches per epoch.)
struct SeedExampleBehaviourTests {
    @Test func manualSchedulersStepWhereTheModuleSays() throws {
        // StepLR(stepSize: 2, gamma: 0.5) from lr 0.1; traces hold the lr after each batch.
        func expected(_ schedulerSteps: (Int) -> Int) -> [Double] {
            (0..<24).map { batch in 0.1 * pow(0.5, Double(schedulerSteps(batch) / 2)) }
        }
        let everyBatch = try runAlone("manual-scheduler-every-batch").traces["lr0"]!
        #expect(zip(everyBatch, expected { $0 + 1 }).allSatisfy { abs($0 - $1) < 1e-12 }, "\(everyBatch)")
        let everyTwo = try runAlone("manual-scheduler-every-2-batches").traces["lr0"]!
        #expect(zip(everyTwo, expected { ($0 + 1) / 2 }).allSatisfy { abs($0 - $1) < 1e-12 }, "\(everyTwo)")
        let everyTwoEpochs = try runAlone("manual-scheduler-every-2-epochs").traces["lr0"]!
        // Stepped at the last batch of epochs 1 and 3 (batches 11 and 23).
        #expect(zip(everyTwoEpochs, expected { $0 >= 23 ? 2 : ($0 >= 11 ? 1 : 0) }).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(isClose(everyTwoEpochs.last, to: 0.05))
    }

    @Test func manualPlateauHalvesTheRateOnlyAtEpochEnds() throws {
        let lr = try runAlone("manual-plateau").traces["lr0"]!
        // threshold 0.5: the loss must halve to count as better, so the rate is cut after epoch 2.
        #expect(Set(lr).count > 1, "the plateau scheduler never reduced the rate")
        for batch in 1..<lr.count where lr[batch] != lr[batch - 1] {
            #expect(batch % 6 == 0, "the rate changed inside an epoch, at batch \(batch)")
            #expect(abs(lr[batch] - lr[batch - 1] / 2) < 1e-12)
        }
    }

    @Test func twoManualOptimizersCountOneGlobalStepPerBatch() throws {
        let gan = try runAlone("simple-gan")
        #expect(gan.stepCounts == [24, 24])   // 128 samples / 16 = 8 batches × 3 epochs
        #expect(gan.globalStep == 24)         // not 48: maxSteps is not halved
        let accumulation = try runAlone("manual-accumulation")
        #expect(accumulation.globalStep == 9 && accumulation.stepCounts == [9])
    }

    /// The guide's manual accumulation steps on the gradients of two batches summed: the
    /// same as a hand-written loop that zeroes after each step, and far from one that zeroes
    /// after every batch (the test's own check that it can tell them apart).
    @Test func manualAccumulationStepsOnTheSumOfTwoBatchesGradients() throws {
        let trained = try runAlone("manual-accumulation").parameters
        func handWritten(zeroingEveryBatch: Bool) throws -> [Float] {
            let net = exampleMLP([6, 16, 3], seed: 2)     // ManualAccumulationModel(every: 2)'s network
            let sgd = try SGD(net.parameters(), lr: 0.05)
            let loader = try DataLoader(ExampleData.classification(), batchSize: 16, seed: 5)
            for epoch in 0..<3 {
                for (index, batch) in loader.batches(epoch: epoch).enumerated() {
                    if zeroingEveryBatch { sgd.zeroGrad() }
                    crossEntropy(net(batch.inputs), targets: batch.labels).backward()
                    if (index + 1) % 2 == 0 {
                        try sgd.step()
                        sgd.zeroGrad()
                    }
                }
            }
            return net.parameters().flatMap(\.scalars)
        }
        let accumulated = try handWritten(zeroingEveryBatch: false)
        let zeroedEveryBatch = try handWritten(zeroingEveryBatch: true)
        // One process, the same operations in the same order: only rounding could differ.
        #expect(normRelativeDifference(trained, accumulated) < 1e-6)
        #expect(normRelativeDifference(zeroedEveryBatch, accumulated) > 1e-3)
    }

    @Test func maxStepsCountsBatchesThatStepped() throws {
        let gan = SimpleGAN()
        let trainer = try Trainer(maxSteps: 5, communicator: LocalCommunicator(), enableProgressBar: false)
        try trainer.fit(gan, train: DataLoader(ExampleData.ring(), batchSize: 16))
        #expect(trainer.globalStep == 5)
        #expect(trainer.optimizers.map(\.stepCount) == [5, 5])
    }

    @Test func alternatingScheduleStepsTheSecondOptimizerEveryOtherBatch() throws {
        let run = try runAlone("alternating")
        #expect(run.stepCounts == [18, 9])
        #expect(run.globalStep == 18)
    }

    @Test func warmUpRaisesTheRateLinearlyOverFiveSteps() throws {
        let run = try runAlone("warm-up")
        let expected = [0.02, 0.04, 0.06, 0.08, 0.1, 0.1, 0.1]
        for key in ["lr0", "lr1"] {
            let lr = Array(run.traces[key]!.prefix(7))
            #expect(zip(lr, expected).allSatisfy { abs($0 - $1) < 1e-12 }, "\(key): \(lr)")
        }
    }

    @Test func clippingIsPerOptimizerWithTwiceTheValueForTheSecond() throws {
        let run = try runAlone("per-optimizer-clipping")
        for (index, limit) in [(0, 0.05), (1, 0.1)] {
            let before = run.traces["before\(index)"]!, after = run.traces["after\(index)"]!
            #expect(before.count == 18 && after.count == 18)
            #expect(after.allSatisfy { $0 <= limit * (1 + 1e-4) }, "optimizer \(index): \(after)")
            #expect(zip(before, after).contains { $0 > limit && abs($1 - limit) < limit * 1e-4 }, "optimizer \(index) never clipped")
        }
    }

    @Test func clippingOnlyTheFirstOptimizerLeavesTheSecondsGradientsAlone() throws {
        let run = try runAlone("clip-first-optimizer-only")
        #expect(run.traces["after0"]!.allSatisfy { $0 <= 0.05 * (1 + 1e-4) })
        #expect(run.traces["after1"]! == run.traces["before1"]!)   // one norm computation on unchanged gradients
        #expect(run.traces["before1"]!.contains { $0 > 0.05 })
    }

    @Test func perGroupLearningRatesMoveEachPartByItsRate() throws {
        // Adam's first step moves every parameter with a gradient by about lr.
        let model = PerGroupModel()
        let before = (model.featureExtractor.parameters() + model.classifier.parameters()).map { $0.scalars }
        let trainer = try Trainer(maxSteps: 1, communicator: LocalCommunicator(), enableProgressBar: false)
        try trainer.fit(model, train: DataLoader(ExampleData.classification(), batchSize: 16))
        let after = (model.featureExtractor.parameters() + model.classifier.parameters()).map { $0.scalars }
        let moves = zip(before, after).map { zip($0, $1).map { Double(abs($0 - $1)) }.max()! }
        let featureCount = model.featureExtractor.parameters().count
        #expect(moves[..<featureCount].allSatisfy { $0 > 0.9e-3 && $0 < 1.1e-3 }, "\(moves)")
        #expect(moves[featureCount...].allSatisfy { $0 > 0.9e-2 && $0 < 1.1e-2 }, "\(moves)")
    }

    @Test func theCustomOptimizerTakesAPlainGradientStep() throws {
        let model = CustomOptimizerModel()
        let data = ExampleData.regression()
        let loader = try DataLoader(data, batchSize: 16, seed: 5)
        let first = Array(loader.batches(epoch: 0).prefix(1))[0]
        // The gradient of the first batch, by hand on a copy.
        let copy = CustomOptimizerModel()
        mseLoss(copy.linear(first.inputs), first.targets!).backward()
        let expected = zip(copy.parameters(), model.parameters()).flatMap { copied, parameter in
            zip(parameter.scalars, copied.grad!.scalars).map { $0 - 0.01 * $1 }
        }
        let trainer = try Trainer(maxSteps: 1, communicator: LocalCommunicator(), enableProgressBar: false)
        try trainer.fit(model, train: loader)
        // Exactly: the same forward, backward and p − lr·g in Float as PlainGradientDescent's update.
        #expect(model.parameters().flatMap(\.scalars) == expected)
    }

    @Test func steppingTheRawOptimizerWithTheClosureUpdatesAsTheWrapperDoes() throws {
        let raw = try runAlone("raw-step"), wrapped = try runAlone("automatic-sgd")
        #expect(raw.parameters == wrapped.parameters)   // the same optimizer steps in the same order: bitwise
        // As Lightning, the batch counts as a step whatever optimizerStep did with the optimizer.
        #expect(raw.globalStep == 18)
        #expect(wrapped.globalStep == 18)
        let manualRaw = try runAlone("raw-optimizer").traces["lr0"]!
        #expect(isClose(manualRaw[5], to: 0.05) && isClose(manualRaw[11], to: 0.025) && isClose(manualRaw[4], to: 0.1))
    }

    @Test func aSchedulerConfigStepsEveryOtherOptimizerStep() throws {
        // StepLR(stepSize: 2, gamma: 0.5), interval .step, frequency 2: the scheduler steps
        // after optimizer steps 2, 4, 6, ...; the rate halves every 2 scheduler steps.
        let lr = try runAlone("scheduler-config").traces["lr0"]!
        for (batch, value) in lr.enumerated() {
            let schedulerSteps = (batch + 1) / 2
            #expect(abs(value - 1e-2 * pow(0.5, Double(schedulerSteps / 2))) < 1e-12, "batch \(batch): \(value)")
        }
    }

    @Test func stepLRAndOneCycleLRStepOncePerEpoch() throws {
        let run = try runAlone("two-optimizers-step-onecycle")
        let adam = run.traces["lr0"]!, sgd = run.traces["lr1"]!
        // A reference OneCycleLR stepped once per epoch: its rate after 0, 1, ... 4 steps.
        let reference = try SGD([Tensor.zeros([1], requiresGrad: true)], lr: 0.1, momentum: 0.9)
        let oneCycle = try OneCycleLR(reference, maxLR: [0.2], totalSteps: 4)
        var rateAfterSteps = [reference.paramGroups[0].lr]
        for _ in 0..<4 {
            try oneCycle.step()
            rateAfterSteps.append(reference.paramGroups[0].lr)
        }
        // As in Lightning, epoch-interval schedulers step at the epoch's last batch (of 6),
        // before its batch-end hooks, where the trace reads the rate.
        let schedulerSteps = (0..<24).map { $0 / 6 + ($0 % 6 == 5 ? 1 : 0) }
        #expect(sgd.count == 24 && adam.count == 24)
        #expect(zip(sgd, schedulerSteps.map { rateAfterSteps[$0] }).allSatisfy { abs($0 - $1) < 1e-12 }, "\(sgd)")
        #expect(zip(adam, schedulerSteps.map { 1e-2 * pow(0.5, Double($0)) }).allSatisfy { abs($0 - $1) < 1e-12 }, "\(adam)")
    }

    @Test func reduceLROnPlateauStepsOnTheMonitoredMetric() throws {
        let run = try runAlone("two-optimizers-plateau")
        let adam = run.traces["lr0"]!, sgd = run.traces["lr1"]!
        #expect(Set(sgd) == [0.1])
        #expect(Set(adam).count > 1, "the plateau scheduler never reduced the rate")
        for batch in 1..<adam.count where adam[batch] != adam[batch - 1] {
            #expect(batch % 6 == 0 && abs(adam[batch] - adam[batch - 1] / 2) < 1e-12)
        }
        // The rates are those of the same scheduler stepped by hand on `metric_to_track`, the
        // epoch's mean loss (6 equal batches). Here the last step's `train_loss` would give the
        // same rates: PlateauMonitorTests tells monitored metrics apart.
        func ratesStepped(on values: [Double]) throws -> [Double] {
            let sgd = try SGD([Tensor.zeros([1], requiresGrad: true)], lr: 1e-2)
            let plateau = try ReduceLROnPlateau(sgd, factor: 0.5, patience: 0, threshold: 0.5)
            return values.map { plateau.step(metric: $0); return sgd.paramGroups[0].lr }
        }
        try #require(run.losses.count >= 18, "train_loss logged \(run.losses.count) times: \(run.losses)")
        let epochs = (0..<3).map { Array(run.losses[6 * $0 ..< 6 * $0 + 6]) }
        let expected = try ratesStepped(on: epochs.map { $0.reduce(0, +) / 6 })
        let seen = (1...3).map { adam[6 * $0] }     // the rate at each next epoch's first batch
        #expect(zip(seen, expected).allSatisfy { abs($0 - $1) <= 1e-12 * $1 }, "rates \(seen), expected \(expected)")
    }

    @Test func accumulationWithClippingEqualsTheHandWrittenLoop() throws {
        let automatic = try runAlone("adam-accumulate-clip")
        let model = ClassifierModel()
        let adam = try Adam(model.parameters(), lr: 1e-2)
        let loader = try DataLoader(ExampleData.classification(), batchSize: 16, seed: 5)
        for epoch in 0..<3 {
            for (index, batch) in loader.batches(epoch: epoch).enumerated() {
                let loss = crossEntropy(model.net(batch.inputs), targets: batch.labels)
                (loss * 0.5).backward()
                if (index + 1) % 2 == 0 {
                    try clipGradNorm(model.parameters(), maxNorm: 0.5)
                    try adam.step()
                    adam.zeroGrad()
                }
            }
        }
        // Exactly: the trainer runs these operations in this order (one process, no sync).
        #expect(model.parameters().flatMap(\.scalars) == automatic.parameters)
    }
}
