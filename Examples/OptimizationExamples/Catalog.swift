import SwiftDDP

/// Every example, by name: the test suite runs each in one process and under `mpirun` and
/// compares the results.
public enum OptimizationExamples {
    public static let all: [Example] = manual + automatic

    public static func named(_ name: String) -> Example? { all.first { $0.name == name } }

    /// The learning rate of every group of every optimizer, after each batch.
    static func learningRates(_ count: Int = 2) -> [BatchTrace] {
        (0..<count).map { index in BatchTrace { $0.optimizers.count > index ? $0.optimizers[index].paramGroups[0].lr : 0 } }
    }

    static func traces(_ recorders: [BatchTrace]) -> () -> [String: [Double]] {
        { Dictionary(uniqueKeysWithValues: recorders.enumerated().map { ("lr\($0.offset)", $0.element.values) }) }
    }

    static let manual: [Example] = [
        Example(name: "minimal-manual") { comm, batch in
            try fitExample("minimal-manual", MinimalManualModel(), communicator: comm, globalBatchSize: batch)
        },
        Example(name: "manual-accumulation") { comm, batch in
            try fitExample("manual-accumulation", ManualAccumulationModel(every: 2), communicator: comm, globalBatchSize: batch)
        },
        Example(name: "simple-gan") { comm, batch in
            try fitExample("simple-gan", SimpleGAN(), data: ExampleData.ring(), communicator: comm, globalBatchSize: batch)
        },
        manualScheduler("manual-scheduler-every-batch", .everyBatch),
        manualScheduler("manual-scheduler-every-2-batches", .everyBatches(2)),
        manualScheduler("manual-scheduler-every-2-epochs", .everyEpochs(2)),
        manualScheduler("manual-plateau", .plateau),
        Example(name: "manual-lbfgs") { comm, _ in
            // Full-batch, as LBFGS is meant to be used: every step sees all 96 samples.
            try fitExample("manual-lbfgs", ManualLBFGSModel(), communicator: comm, globalBatchSize: 96, maxEpochs: 4)
        },
        Example(name: "raw-optimizer") { comm, batch in
            let lr = learningRates(1)
            return try fitExample("raw-optimizer", RawOptimizerModel(), communicator: comm, globalBatchSize: batch,
                                  callbacks: lr, traces: traces(lr))
        },
    ]

    static func manualScheduler(_ name: String, _ schedule: ManualSchedulerModel.Schedule) -> Example {
        Example(name: name) { comm, batch in
            let lr = learningRates(1)
            return try fitExample(name, ManualSchedulerModel(schedule), communicator: comm, globalBatchSize: batch,
                                  maxEpochs: 4, callbacks: lr, traces: traces(lr))
        }
    }

    static func twoOptimizers(_ name: String, _ make: @escaping @Sendable () -> TwoOptimizerModel, maxEpochs: Int = 3,
                              gradientClipVal: Double? = nil) -> Example {
        Example(name: name) { comm, batch in
            let lr = learningRates(2)
            return try fitExample(name, make(), communicator: comm, globalBatchSize: batch, maxEpochs: maxEpochs,
                                  gradientClipVal: gradientClipVal, callbacks: lr, traces: traces(lr))
        }
    }

    static func clipping(_ name: String, clipSecond: Bool) -> Example {
        Example(name: name) { comm, batch in
            let record = ClippingRecord()
            return try fitExample(name, perOptimizerClippingModel(record: record, clipSecond: clipSecond),
                                  communicator: comm, globalBatchSize: batch, gradientClipVal: 0.05) {
                ["before0": record.before[0], "after0": record.after[0], "before1": record.before[1], "after1": record.after[1]]
            }
        }
    }

    static let automatic: [Example] = [
        Example(name: "automatic-sgd") { comm, batch in
            try fitExample("automatic-sgd", ClassifierModel(), communicator: comm, globalBatchSize: batch)
        },
        twoOptimizers("two-optimizers") { TwoOptimizerModel() },
        twoOptimizers("two-optimizers-plateau", { TwoOptimizerModel(.plateau) }, maxEpochs: 4),
        twoOptimizers("two-optimizers-step-onecycle", { TwoOptimizerModel(.stepAndOneCycle) }, maxEpochs: 4),
        twoOptimizers("scheduler-config") { TwoOptimizerModel(.configDictionary) },
        twoOptimizers("alternating", alternatingModel),
        twoOptimizers("warm-up") { warmUpModel() },
        clipping("clip-first-optimizer-only", clipSecond: false),
        clipping("per-optimizer-clipping", clipSecond: true),
        Example(name: "per-group-lr") { comm, batch in

            try fitExample("per-group-lr", PerGroupModel(), communicator: comm, globalBatchSize: batch)
        },
        Example(name: "custom-optimizer") { comm, batch in
            try fitExample("custom-optimizer", CustomOptimizerModel(), data: ExampleData.regression(),
                           communicator: comm, globalBatchSize: batch)
        },
        Example(name: "raw-step") { comm, batch in
            try fitExample("raw-step", RawStepModel(), communicator: comm, globalBatchSize: batch)
        },
        Example(name: "adam-accumulate-clip") { comm, batch in
            // Accumulation 2 and norm clipping 0.5: each optimizer step sees `2 × batch` samples.
            try fitExample("adam-accumulate-clip", ClassifierModel { OptimizerConfiguration(try Adam($0.parameters(), lr: 1e-2)) },
                           communicator: comm, globalBatchSize: batch, accumulateGradBatches: 2, gradientClipVal: 0.5)
        },
    ]
}
