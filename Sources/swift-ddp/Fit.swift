import ArgumentParser
import SwiftDDP
#if canImport(Glibc)
import Glibc
#endif

/// `swift-ddp fit`: for now an MLP classifier on synthetic spirals trained by a plain
/// data-parallel SGD loop; the Lightning-style trainer replaces this loop.
struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model (the default command).")

    @Option(help: "Passes over the training data.") var maxEpochs = 30
    @Option(help: "Samples per rank per step.") var batchSize = 32
    @Option(help: "Learning rate of SGD.") var lr: Float = 0.3
    @Option(help: "Seed for initial weights and data order.") var seed: UInt64 = 0
    @Option(help: "Hidden layer width.") var hidden = 64
    @Flag(help: "Run as one process without MPI.") var debug = false

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard maxEpochs > 0 else { throw ValidationError("--max-epochs must be at least 1, got \(maxEpochs)") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be a positive number, got \(lr)") }
    }

    func run() throws {
        let comm = makeCommunicator(debug: debug)
        defer { MPICommunicator.finalize() }

        DefaultRandom.seed(seed)
        let model = Sequential(Linear(2, hidden), ReLU(), Linear(hidden, hidden), ReLU(), Linear(hidden, 3))
        for parameter in model.parameters() { comm.broadcast(parameter) }

        let (features, labels) = SyntheticData.spirals(classes: 3, pointsPerClass: 300, seed: seed)
        let n = labels.count
        let globalBatch = batchSize * comm.worldSize
        let stepsPerEpoch = n / globalBatch
        var order = RandomGenerator(seed: seed &+ 1)
        if comm.isRoot {
            print("swift-ddp: \(comm.worldSize) rank(s), \(model.parameterCount) parameters, "
                  + "\(stepsPerEpoch) steps/epoch of \(globalBatch) samples")
        }
        for epoch in 0..<maxEpochs {
            // Same permutation on every rank; rank r takes positions r, r+N, ... of each global batch.
            var permutation = Array(0..<n)
            permutation.shuffle(using: &order)
            var epochLoss: Double = 0
            for step in 0..<stepsPerEpoch {
                let window = permutation[(step * globalBatch)..<((step + 1) * globalBatch)]
                let mine = stride(from: comm.rank, to: globalBatch, by: comm.worldSize).map { window[window.startIndex + $0] }
                let x = Tensor(mine.flatMap { [features.data[2 * $0], features.data[2 * $0 + 1]] }, shape: [mine.count, 2])
                let loss = crossEntropy(model(x), targets: mine.map { labels[$0] })
                for parameter in model.parameters() { parameter.grad = nil }
                loss.backward()
                for parameter in model.parameters() {
                    guard let grad = parameter.grad else { continue }
                    comm.allReduceMean(grad)
                    for i in 0..<parameter.count { parameter.data[i] -= lr * grad.data[i] }
                }
                epochLoss += comm.mean([Double(loss.item)])[0]
            }
            let predictions = noGrad { model(features) }
            var correct = 0
            for i in 0..<n {
                let row = predictions.data + 3 * i
                let predicted = (0..<3).max { row[$0] < row[$1] }!
                if predicted == labels[i] { correct += 1 }
            }
            if comm.isRoot && (epoch % 5 == 4 || epoch == maxEpochs - 1) {
                let meanLoss = epochLoss / Double(stepsPerEpoch)
                let accuracy = Double(correct) / Double(n)
                print("epoch \(epoch + 1)/\(maxEpochs)  train_loss \(formatted(meanLoss))  accuracy \(formatted(accuracy))")
            }
        }
    }
}

func formatted(_ value: Double) -> String {
    let scaled = (value * 10000).rounded() / 10000
    return String(scaled)
}
