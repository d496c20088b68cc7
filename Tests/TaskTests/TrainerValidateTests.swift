import DDPTasks
import Testing

/// `Trainer.validate(_:data:)`, which `swift-ddp validate` runs.
@Suite(.serialized) struct TrainerValidateTests {
    @Test func validatingAfterFittingReportsTheMetricsOfTheLastValidation() throws {
        let task = try TaskRegistry.build(TaskSettings.parse(["--data", "digits", "--hidden", "32", "--max-epochs", "2"]))
        let validation = try #require(try task.validationLoader())
        let fitting = try Trainer(maxEpochs: 2, enableProgressBar: false)
        try fitting.fit(task.module, train: task.trainingLoader(), validation: validation)
        let fitted = try #require(fitting.callbackMetrics["val_acc"])

        let metrics = try Trainer(enableProgressBar: false).validate(task.module, data: validation)
        // Exactly: the same validation loop on the same weights and batches as fit's last one.
        #expect(metrics["val_acc"] == fitted)
        #expect(metrics["val_loss"] == fitting.callbackMetrics["val_loss"])
        #expect(fitted > 0.8)
    }
}
