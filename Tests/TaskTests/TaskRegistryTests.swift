import DDPTasks
import DDPTestSupport
import Foundation
import Testing

// Serialized: building a task seeds and draws from the process-wide default generator.
@Suite(.serialized) struct TaskRegistryTests {
    @Test func listsEveryBuiltInTaskWithTheClassifierFirst() throws {
        #expect(TaskRegistry.all.map(\.name) == ["classifier", "finetune", "lbfgs", "regression", "gan", "cyclegan", "gpt"])
        #expect(TaskRegistry.defaultTask.name == "classifier")
    }

    @Test func rejectsAnUnknownTaskNamingTheKnownOnes() {
        #expect(throws: TaskError("unknown task 'llama': use one of classifier, finetune, lbfgs, regression, gan, cyclegan, gpt")) {
            try TaskRegistry.build(TaskSettings.parse(["--task", "llama"]))
        }
    }

    @Test func classifierWeightsHaveTheNamesOfAPyTorchSequential() throws {
        let task = try TaskRegistry.build(TaskSettings.parse(["--data", "digits", "--hidden", "32,16"]))
        #expect(task.module.stateDict().map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"])
        #expect(task.module.stateDict()[0].tensor.shape == [32, 64])
        #expect(task.data.classCount == 10)
        #expect(task.data.training.count + (task.data.validation?.count ?? 0) == Digits.sampleCount)
    }

    @Test func theDefaultClassifierTrainsTheCNNOnFashionMNISTAndTheDigitsKeepTheMLP() throws {
        let fashion = try TaskRegistry.build(TaskSettings.parse([]))
        #expect(fashion.data.source == "Fashion-MNIST" && fashion.summary.hasPrefix("cnn classifier"), "\(fashion.summary)")
        #expect(fashion.data.training.count == 54_000 && fashion.defaultMaxEpochs == 3)
        #expect(try fashion.module.configureOptimizers().entries[0].scheduler?.scheduler is CosineAnnealingLR)
        #expect(try fashion.testLoader()?.dataset.count == 10_000)

        let digits = try TaskRegistry.build(TaskSettings.parse(["--data", "digits"]))
        #expect(digits.data.source == "the built-in digits" && digits.summary.hasPrefix("mlp classifier"), "\(digits.summary)")
        #expect(digits.defaultMaxEpochs == 20 && !digits.data.hasTestSet)
        #expect(try digits.testLoader() == nil)
        #expect(try digits.module.configureOptimizers().entries[0].scheduler == nil)
        // Options given win over the data's defaults.
        let chosen = try TaskRegistry.build(TaskSettings.parse(["--model", "mlp", "--scheduler", "none", "--max-epochs", "2"]))
        #expect(chosen.summary.hasPrefix("mlp classifier") && chosen.data.source == "Fashion-MNIST")
        #expect(try chosen.module.configureOptimizers().entries[0].scheduler == nil)
    }

    @Test func cnnReadsFlatDigitsAsImages() throws {
        let task = try TaskRegistry.build(TaskSettings.parse(["--data", "digits", "--model", "cnn"]))
        let names = task.module.stateDict().map(\.name)
        #expect(names == ["1.weight", "1.bias", "4.weight", "4.bias", "8.weight", "8.bias"])
        let batch = task.data.training.batch(at: [0, 1, 2])
        let loss = try (task.module as! Classifier).trainingStep(batch, batchIndex: 0)
        #expect(loss?.item.isFinite == true)
    }

    @Test func theSeedFixesTheInitialWeightsAndTheSplit() throws {
        let first = try TaskRegistry.build(TaskSettings.parse(["--data", "digits", "--seed", "3"]))
        let second = try TaskRegistry.build(TaskSettings.parse(["--data", "digits", "--seed", "3"]))
        let other = try TaskRegistry.build(TaskSettings.parse(["--data", "digits", "--seed", "4"]))
        let same = first.module.parameters()[0].scalars == second.module.parameters()[0].scalars
        let different = first.module.parameters()[0].scalars != other.module.parameters()[0].scalars
        #expect(same && different)
        let split = { (task: BuiltTask) in (task.data.validation as? Subset)?.indices ?? [] }
        #expect(split(first) == split(second) && split(first) != split(other))
    }

    @Test func fineTuningTrainsTheFeaturesAtATenthOfTheHeadsLearningRate() throws {
        let task = try TaskRegistry.build(TaskSettings.parse(["--task", "finetune", "--lr", "0.02"]))
        let optimizer = try task.module.configureOptimizers().entries[0].optimizer
        let rates = optimizer.paramGroups.map(\.lr)
        #expect(rates.count == 2 && isClose(rates[0], to: 0.002) && isClose(rates[1], to: 0.02), "\(rates)")
        let names = task.module.stateDict().map(\.name)
        #expect(names.first == "feature_extractor.0.weight" && names.last == "classifier.0.bias")
    }

    @Test func initFromLoadsPretrainedFeaturesWithoutAHead() throws {
        let folder = try makeTemporaryFolder()
        let pretrained = try TaskRegistry.build(TaskSettings.parse(["--task", "finetune", "--seed", "7"]))
        let features = pretrained.module.stateDict().filter { $0.name.hasPrefix("feature_extractor.") }
        let path = folder + "/features.safetensors"
        try SafeTensorsFile(tensors: features).write(to: path)

        let tuned = try TaskRegistry.build(TaskSettings.parse(["--task", "finetune", "--init-from", path, "--seed", "1"]))
        let loaded = Dictionary(uniqueKeysWithValues: tuned.module.stateDict().map { ($0.name, $0.tensor.scalars) })
        #expect(features.allSatisfy { loaded[$0.name] == $0.tensor.scalars })
        let head = tuned.module.stateDict().first { $0.name == "classifier.0.weight" }!.tensor.scalars
        let pretrainedHead = pretrained.module.stateDict().first { $0.name == "classifier.0.weight" }!.tensor.scalars
        #expect(head != pretrainedHead)
    }

    @Test func initFromAFileOfOtherNamesSaysWhatItExpected() throws {
        let folder = try makeTemporaryFolder()
        let path = folder + "/other.safetensors"
        try SafeTensorsFile(tensors: [("encoder.weight", Tensor.zeros([2, 2]))]).write(to: path)
        #expect {
            try TaskRegistry.build(TaskSettings.parse(["--data", "digits", "--init-from", path]))
        } throws: { error in
            "\(error)".contains("none of its 1 tensors is named as a weight of this model (expected names such as 0.weight")
        }
    }

    @Test func anOptimizerHyperParameterOutOfRangeFailsWhenTheTaskIsBuilt() {
        #expect {
            try TaskRegistry.build(TaskSettings.parse(["--data", "digits", "--optimizer", "adam", "--betas", "0.9,1.5"]))
        } throws: { error in
            "\(error)".contains("beta") && "\(error)".contains("1.5")
        }
    }

    @Test func labelsOutsideTheClassCountAreAnErrorNamingTheData() {
        #expect {
            try TaskRegistry.build(TaskSettings.parse(["--data", "digits", "--classes", "5"]))
        } throws: { error in
            "\(error)".contains("the built-in digits") && "\(error)".contains("outside the model's 5 classes")
        }
    }

    @Test func theLBFGSTaskTakesAllTrainingSamplesOfARankAsOneBatch() throws {
        var settings = try TaskSettings.parse(["--task", "lbfgs", "--val-split", "0.2"])
        settings.worldSize = 2
        let task = try TaskRegistry.build(settings)
        #expect(task.data.training.count == 1438)
        #expect(task.batchSize == 719)
        #expect(try task.module.configureOptimizers().entries[0].optimizer is LBFGS)
    }

    @Test func theRegressionTaskDecaysItsLearningRateWithStepLR() throws {
        let task = try TaskRegistry.build(TaskSettings.parse(["--task", "regression"]))
        let configuration = try task.module.configureOptimizers()
        let scheduler = try #require(configuration.entries[0].scheduler)
        #expect(scheduler.scheduler is StepLR)
        #expect(scheduler.interval == .epoch)
        #expect(task.data.classCount == 0)
    }

    @Test func onecycleIsSizedToTheWholeRunWhenSteppedPerStep() throws {
        let settings = try TaskSettings.parse([
            "--data", "digits", "--scheduler", "onecycle", "--scheduler-interval", "step", "--batch-size", "100", "--max-epochs", "3",
            "--val-split", "0",
        ])
        let task = try TaskRegistry.build(settings)
        let scheduler = try #require(try task.module.configureOptimizers().entries[0].scheduler?.scheduler as? OneCycleLR)
        #expect(scheduler.totalSteps == 3 * 18)  // 1797 samples in batches of 100
    }
}
