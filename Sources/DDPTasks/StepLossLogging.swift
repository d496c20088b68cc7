/// A task that logs `train_loss` once per optimizer step as the loss the step returns: the
/// loss of the whole global batch (averaged over ranks and accumulated batches; for L-BFGS,
/// before the step), so runs on any number of ranks compare step by step.
public protocol StepLossLogging: TrainingModule {}

extension StepLossLogging {
    public func optimizerStep(
        epoch: Int, batchIndex: Int, optimizer: ManagedOptimizer, optimizerIndex: Int,
        closure: @escaping OptimizerClosure
    ) throws {
        if let loss = try optimizer.step(closure: closure) { log("train_loss", Double(loss), progressBar: true) }
    }
}

/// A classification task: trained on the cross-entropy of its ``logits(_:)``, validated by
/// `val_loss` and `val_acc` and tested by `test_loss` and `test_acc` (Lightning's names), each
/// the mean over every rank's samples; it predicts each sample's class probabilities.
public protocol ClassificationTask: StepLossLogging {
    /// Class scores, `[batch, classes]`.
    func logits(_ inputs: Tensor) -> Tensor
}

extension ClassificationTask {
    public func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        crossEntropy(logits(batch.inputs), targets: batch.labels)
    }

    public func validationStep(_ batch: Batch, batchIndex: Int) throws {
        logLossAndAccuracy(of: batch, prefix: "val")
    }

    public func testStep(_ batch: Batch, batchIndex: Int) throws {
        logLossAndAccuracy(of: batch, prefix: "test")
    }

    /// The class probabilities of each sample, `[batch, classes]`: the softmax of the
    /// logits, each row summing to 1, its largest entry the predicted class.
    public func predictStep(_ batch: Batch, batchIndex: Int) throws -> Tensor {
        logits(batch.inputs).softmax(alongAxis: 1)
    }

    /// Logs `<prefix>_loss` (cross-entropy) and `<prefix>_acc` (the share classified right).
    private func logLossAndAccuracy(of batch: Batch, prefix: String) {
        let scores = logits(batch.inputs)
        log(prefix + "_loss", crossEntropy(scores, targets: batch.labels), progressBar: true)
        let correct = zip(scores.argmax(alongAxis: 1), batch.labels).filter { $0 == $1 }.count
        log(prefix + "_acc", Double(correct) / Double(batch.count), progressBar: true)
    }
}
