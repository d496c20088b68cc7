import ArgumentParser
import Foundation
import SwiftDDP
#if canImport(Glibc)
import Glibc
#endif

/// `swift-ddp fit`: trains an MLP classifier on the built-in digits with a data-parallel
/// SGD-with-momentum loop (the Lightning-style trainer takes this loop over).
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

    func run() throws {
        let comm = makeCommunicator(debug: debug)
        defer { MPICommunicator.finalize() }

        let digits = try Digits.load()
        let (training, validation) = try randomSplit(digits, validationFraction: 0.1, seed: seed)
        let loader = try DataLoader(training, batchSize: batchSize, seed: seed, rank: comm.rank, worldSize: comm.worldSize)
        let validationLoader = try DataLoader(validation, batchSize: 256, shuffle: false,
                                              rank: comm.rank, worldSize: comm.worldSize, remainder: .uneven)

        DefaultRandom.seed(seed)
        let sizes = [64] + hiddenSizes! + [Digits.classCount]
        var layers: [any Layer] = []
        for i in 0..<(sizes.count - 1) {
            layers.append(Linear(sizes[i], sizes[i + 1]))
            if i < sizes.count - 2 { layers.append(ReLU()) }
        }
        let model = Sequential(layers)
        let parameters = model.parameters()
        for parameter in parameters { comm.broadcast(parameter) }
        let velocities = parameters.map { Tensor.zeros($0.shape) }

        if comm.isRoot {
            print("swift-ddp: digits, \(comm.worldSize) rank(s), \(model.parameterCount) parameters, "
                  + "\(loader.batchesPerEpoch) steps/epoch of \(loader.globalBatchSize) samples")
        }
        let started = MonotonicClock.seconds()
        for epoch in 0..<maxEpochs {
            model.train()
            var lossSum = 0.0, steps = 0
            for batch in loader.batches(epoch: epoch) {
                for parameter in parameters { parameter.grad = nil }
                let loss = crossEntropy(model(batch.inputs), targets: batch.labels)
                loss.backward()
                for (parameter, velocity) in zip(parameters, velocities) {
                    guard let grad = parameter.grad else { continue }
                    comm.allReduceMean(grad)
                    let p = parameter.data, g = grad.data, v = velocity.data
                    for i in 0..<parameter.count {
                        v[i] = 0.9 * v[i] + g[i]
                        p[i] -= lr * v[i]
                    }
                }
                lossSum += Double(loss.item)
                steps += 1
            }
            model.eval()
            var correct = 0.0, seen = 0.0
            noGrad {
                for batch in validationLoader.batches(epoch: 0) {
                    let logits = model(batch.inputs)
                    for (i, label) in batch.labels.enumerated() {
                        let row = logits.data + i * Digits.classCount
                        let predicted = (0..<Digits.classCount).max { row[$0] < row[$1] }!
                        if predicted == label { correct += 1 }
                    }
                    seen += Double(batch.count)
                }
            }
            var totals = [lossSum / Double(steps) / Double(comm.worldSize), correct, seen]
            totals.withUnsafeMutableBufferPointer { comm.allReduce($0, .sum) }
            if comm.isRoot {
                print("epoch \(epoch + 1)/\(maxEpochs)  train_loss \(formatted(totals[0]))  val_acc \(formatted(totals[1] / totals[2]))")
            }
        }
        if comm.isRoot { print("done in \(formatted(MonotonicClock.seconds() - started)) s") }
    }
}

func formatted(_ value: Double) -> String {
    let scaled = (value * 10000).rounded() / 10000
    return String(scaled)
}
