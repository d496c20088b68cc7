import ArgumentParser
import Foundation
import SwiftDDP
#if canImport(Glibc)
import Glibc
#endif

/// `swift-ddp fit`: trains an MLP classifier on the built-in digits with the data-parallel
/// trainer, logging to `--log-dir` on rank 0.
struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train a model (the default command).")

    @Option(help: "Passes over the training data.") var maxEpochs = 20
    @Option(help: "Samples per rank per step.") var batchSize = 32
    @Option(help: "Learning rate.") var lr: Float = 0.05
    @Option(help: "Seed for initial weights, the validation split and the data order.") var seed: UInt64 = 0
    @Option(help: "Hidden layer widths, comma-separated.") var hidden = "256,256"
    @Flag(help: "Run as one process without MPI.") var debug = false

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard maxEpochs > 0 else { throw ValidationError("--max-epochs must be at least 1, got \(maxEpochs)") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be a positive number, got \(lr)") }
        guard hiddenSizes != nil else { throw ValidationError("--hidden takes positive widths like 256,256, got '\(hidden)'") }
    }

    var hiddenSizes: [Int]? {
        let sizes = hidden.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        return sizes.allSatisfy({ ($0 ?? 0) > 0 }) ? sizes.map { $0! } : nil
    }

    @Option(help: "Folder for metrics.csv, TensorBoard events, curves.svg and hparams.yaml (rank 0 writes).")
    var logDir = "logs"

    func run() throws {
        let comm = makeCommunicator(debug: debug)
        defer { MPICommunicator.finalize() }
        RankFailure.installSignalHandlers(rank: comm.rank)
        RankFailure.run(communicator: comm) {
            try train(communicator: comm)
        }
    }

    private func train(communicator comm: any Communicator) throws {
        let digits = try Digits.load()
        let (training, validation) = try randomSplit(digits, validationFraction: 0.1, seed: seed)
        DefaultRandom.seed(seed)
        let model = DigitsClassifier(hidden: hiddenSizes!, lr: Double(lr))
        var loggers: [any MetricsLogger] = []
        if comm.isRoot {
            loggers = [try CSVLogger(directory: logDir), try TensorBoardLogger(directory: logDir), try CurvesPlot(directory: logDir)]
            try HyperparametersFile.write(RunConfiguration(
                maxEpochs: maxEpochs, batchSize: batchSize, lr: Double(lr), seed: seed, hidden: hiddenSizes!,
                worldSize: comm.worldSize), to: logDir)
        }
        let trainer = try Trainer(maxEpochs: maxEpochs, logEveryNSteps: 10, seed: seed, communicator: comm, loggers: loggers)
        let loader = try DataLoader(training, batchSize: batchSize, seed: seed)
        if comm.isRoot {
            print("swift-ddp: digits, \(comm.worldSize) rank(s), \(model.parameterCount) parameters, "
                  + "\(loader.batchesPerEpoch / comm.worldSize) steps/epoch of \(batchSize * comm.worldSize) samples; logs in \(logDir)/")
        }
        let started = MonotonicClock.seconds()
        try trainer.fit(model, train: loader, validation: DataLoader(validation, batchSize: 256, shuffle: false))
        if comm.isRoot {
            let accuracy = trainer.callbackMetrics["val_acc"] ?? .nan
            print("done in \(formatted(MonotonicClock.seconds() - started)) s: val_acc \(formatted(accuracy)), "
                  + "val_loss \(formatted(trainer.callbackMetrics["val_loss"] ?? .nan))")
        }
    }
}

/// What `hparams.yaml` records of a run.
struct RunConfiguration: Encodable {
    var maxEpochs: Int
    var batchSize: Int
    var lr: Double
    var seed: UInt64
    var hidden: [Int]
    var worldSize: Int
}

/// An MLP classifier of the 8x8 digits, trained with SGD and momentum.
final class DigitsClassifier: Module, TrainingModule {
    let net: Sequential
    let lr: Double
    override var namedChildren: [(String, Module)] { [("net", net)] }

    init(hidden: [Int], lr: Double) {
        let sizes = [64] + hidden + [Digits.classCount]
        var layers: [any Layer] = []
        for i in 0..<(sizes.count - 1) {
            layers.append(Linear(sizes[i], sizes[i + 1]))
            if i < sizes.count - 2 { layers.append(ReLU()) }
        }
        net = Sequential(layers)
        self.lr = lr
    }

    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor? {
        let loss = crossEntropy(net(batch.inputs), targets: batch.labels)
        log("train_loss", loss, progressBar: true, syncDist: true)
        return loss
    }

    func validationStep(_ batch: Batch, batchIndex: Int) throws {
        let logits = net(batch.inputs)
        log("val_loss", crossEntropy(logits, targets: batch.labels), progressBar: true)
        let predicted = logits.argmax(alongAxis: 1)
        let correct = zip(predicted, batch.labels).filter { $0 == $1 }.count
        log("val_acc", Double(correct) / Double(batch.count), progressBar: true)
    }

    func configureOptimizers() throws -> OptimizerConfiguration {
        OptimizerConfiguration(try SGD(parameters(), lr: lr, momentum: 0.9))
    }
}

func formatted(_ value: Double) -> String {
    let scaled = (value * 10000).rounded() / 10000
    return String(scaled)
}
