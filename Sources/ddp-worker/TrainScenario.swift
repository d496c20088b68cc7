import ArgumentParser
import SwiftDDP
#if canImport(Glibc)
import Glibc
#endif

/// What the `train` scenario does, from its options.
///
/// Numeric options take the next argument even when it starts with a dash (`--fail-rank -1`).
struct TrainConfiguration: ParsableArguments {
    @Flag(help: "Run in one process (LocalCommunicator), even under mpirun.")
    var debug = false
    @Option(parsing: .unconditional, help: "Optimizer steps.")
    var steps = 8
    @Option(name: .customLong("batch"), parsing: .unconditional, help: "Samples per global batch (all ranks together).")
    var globalBatch = 16
    @Option(parsing: .unconditional, help: "Hidden units.")
    var hidden = 16
    @Option(parsing: .unconditional,
            help: "Micro-batches per optimizer step; gradients are synchronised on the last one only.")
    var accumulate = 1
    @Option(parsing: .unconditional, help: "Learning rate.")
    var lr: Float = 0.1
    @Option(parsing: .unconditional, help: "SGD momentum.")
    var momentum: Float = 0.9
    @Option(name: .customLong("bucket-bytes"), parsing: .unconditional, help: "Gradient bucket capacity in bytes.")
    var bucketBytes = 512
    @Option(parsing: .unconditional, help: "How gradient buckets travel: none or bf16.")
    var compression = "none"
    @Option(help: "Where buckets go through the transport: overlapped (reductions start during the last backward of a step), after-backward (all start in synchronize()) or allreduce (one blocking MPI_Allreduce each, the path without MPI_Iallreduce).")
    var sync = SyncMode.overlapped
    @Option(name: .customLong("audit"), parsing: .unconditional,
            help: "Audit the parameters every this many steps; 0 turns the audit off.")
    var auditInterval = 0
    @Option(parsing: .unconditional, help: "The rank that builds a model with one more hidden unit (-1: none).")
    var mismatchRank = -1
    @Option(parsing: .unconditional, help: "The rank that throws an error (-1: none).")
    var failRank = -1
    @Option(parsing: .unconditional, help: "The step at which it throws.")
    var failStep = -1
    @Option(parsing: .unconditional, help: "The rank that nudges one parameter of its own (-1: none).")
    var corruptRank = -1
    @Option(parsing: .unconditional, help: "The step after which it nudges it.")
    var corruptStep = -1
    @Option(parsing: .unconditional, help: "The rank that leaves the loop early, as a bug would (-1: none).")
    var stopRank = -1
    @Option(parsing: .unconditional, help: "The step at which it leaves.")
    var stopStep = -1
    @Option(parsing: .unconditional, help: "The rank on which a precondition fails (-1: none).")
    var crashRank = -1
    @Option(parsing: .unconditional, help: "The step at which it fails.")
    var crashStep = -1
    @Option(name: .customLong("watchdog"), parsing: .unconditional,
            help: "Seconds without a finished step after which a rank ends itself (0: no watchdog).")
    var watchdog: Float = 0

    /// Seconds without a finished step after which a rank ends itself (0: no watchdog).
    var watchdogSeconds: Double { Double(watchdog) }

    func validate() throws {
        guard steps > 0, globalBatch > 0, hidden > 0, accumulate > 0, bucketBytes > 0, auditInterval >= 0 else {
            throw ValidationError("--steps, --batch, --hidden, --accumulate and --bucket-bytes must be positive")
        }
    }
}

/// When the gradient buckets' reductions start (``TrainConfiguration/sync``).
enum SyncMode: String, ExpressibleByArgument {
    case overlapped, afterBackward = "after-backward", allreduce
}

/// An error this scenario injects on purpose.
struct InjectedFailure: Error, CustomStringConvertible {
    let step: Int
    var description: String { "injected failure at step \(step)" }
}

/// A scenario check that did not hold.
struct ScenarioFailure: Error, CustomStringConvertible {
    let description: String
}

private let features = 4, classes = 3

/// Sample `i` of a deterministic classification set: four normal features; the label is
/// the largest of three fixed linear scores.
private func sample(_ i: Int) -> (x: [Float], label: Int) {
    var generator = RandomGenerator(seed: 1000 &+ UInt64(i))
    var x: [Float] = []
    while x.count < features {
        let (a, b) = generator.nextNormalPair()
        x += [a, b]
    }
    let scores = [x[0] - x[1], x[1] + 0.5 * x[2] - x[3], x[3] - x[0] + 0.25 * x[2]]
    return (x, scores.indices.max { scores[$0] < scores[$1] }!)
}

/// Trains `Linear(4, hidden) → ReLU → Linear(hidden, 3)` with momentum SGD: each global batch
/// of `globalBatch` samples is split so rank r takes positions r, r+N, ...; gradients are
/// averaged by ``GradientSync`` at each optimizer step. Rank 0 prints one JSON line per step
/// (`{"step":k,"loss":L}`, the loss averaged over ranks) and a final line with the
/// parameters and their fingerprint.
func train(_ configuration: TrainConfiguration, communicator: any Communicator) throws {
    let rank = communicator.rank, worldSize = communicator.worldSize
    guard configuration.globalBatch % worldSize == 0 else {
        throw UsageError(description: "--batch \(configuration.globalBatch) does not split over \(worldSize) ranks")
    }
    // Each rank initialises differently on purpose: only the broadcast makes them agree.
    var generator = RandomGenerator(seed: UInt64(7 + rank))
    let hidden = configuration.hidden + (rank == configuration.mismatchRank ? 1 : 0)
    let model = Sequential(Linear(features, hidden, using: &generator), ReLU(),
                           Linear(hidden, classes, using: &generator))
    // A parameter no loss uses: its gradient must stay nil after every sync.
    let unused = Tensor.zeros([5], requiresGrad: true)
    let named = model.namedParameters() + [(name: "unused", tensor: unused)]
    let parameters = named.map(\.tensor)

    try verifySameModel(namedShapes: named.map { ($0.name, $0.tensor.shape) }, communicator: communicator)
    broadcastParameters(parameters, communicator: communicator)
    let sync = GradientSync(parameters: parameters,
                            communicator: configuration.sync == .allreduce ? BlockingReductions(communicator) : communicator,
                            bucketCapacityBytes: configuration.bucketBytes,
                            compression: GradientCompression(rawValue: configuration.compression) ?? .none)
    if communicator.isRoot && worldSize > 1 { writeToStandardError(sync.summary + "\n") }
    let audit = configuration.auditInterval > 0
        ? ParameterAudit(parameters: parameters, communicator: communicator, interval: configuration.auditInterval)
        : nil
    var velocity: [Tensor?] = Array(repeating: nil, count: parameters.count)
    let perRank = configuration.globalBatch / worldSize
    let watchdog = configuration.watchdogSeconds > 0
        ? ProgressWatchdog(rank: rank, timeout: configuration.watchdogSeconds) : nil
    defer { watchdog?.stop() }

    for step in 0..<configuration.steps {
        if rank == configuration.failRank && step == configuration.failStep { throw InjectedFailure(step: step) }
        if rank == configuration.stopRank && step == configuration.stopStep { break }
        precondition(!(rank == configuration.crashRank && step == configuration.crashStep),
                     "injected crash at step \(step)")
        var localLosses: [Double] = []
        for micro in 0..<configuration.accumulate {
            if micro == 0 { for parameter in parameters { parameter.grad = nil } }
            let window = (step * configuration.accumulate + micro) * configuration.globalBatch
            let mine = (0..<perRank).map { sample(window + rank + $0 * worldSize) }
            let x = Tensor(mine.flatMap(\.x), shape: [perRank, features])
            let loss = crossEntropy(model(x), targets: mine.map(\.label)) * (1 / Float(configuration.accumulate))
            // The last micro-batch's backward may start the reductions: its gradients are final.
            if micro == configuration.accumulate - 1 && configuration.sync == .overlapped { sync.overlapNextBackward() }
            loss.backward()
            localLosses.append(Double(loss.item))
        }
        // Only at the step boundary: the micro-batches accumulated locally in the buckets.
        sync.synchronize()
        // After the sync: no other collective may come between the reductions backward started.
        let stepLoss = localLosses.reduce(0) { $0 + communicator.mean([$1])[0] }
        guard unused.grad == nil else {
            throw ScenarioFailure(description: "an unused parameter got a gradient from the sync at step \(step)")
        }

        for (index, parameter) in parameters.enumerated() {
            guard let grad = parameter.grad else { continue }
            // torch.optim.SGD: buffer = momentum * buffer + grad (the first step copies grad).
            let buffer: Tensor
            if let existing = velocity[index] {
                buffer = existing
                for i in 0..<buffer.count { buffer.data[i] = configuration.momentum * buffer.data[i] + grad.data[i] }
            } else {
                buffer = grad.copy()
                velocity[index] = buffer
            }
            for i in 0..<parameter.count { parameter.data[i] -= configuration.lr * buffer.data[i] }
        }
        if rank == configuration.corruptRank && step == configuration.corruptStep {
            parameters[0].data[0] += 1e-3
        }
        try audit?.check(step: step)
        if communicator.isRoot { print("{\"step\":\(step),\"loss\":\(stepLoss)}") }
        fflush(nil)
        watchdog?.progress()
    }

    let fingerprint = parameterFingerprint(parameters)
    if communicator.isRoot {
        let values = parameters.flatMap(\.scalars).map { String(describing: $0) }.joined(separator: ",")
        print("{\"final\":true,\"ranks\":\(worldSize),\"fingerprint\":\"\(String(fingerprint, radix: 16))\","
              + "\"shared_memory\":\(sync.buckets.allSatisfy(\.isInSharedMemory)),\"sync_path\":\"\(sync.path)\",\"overlaps\":\(sync.overlapsBackward),"
              + "\"buckets\":\(sync.buckets.count),\"buckets_started_in_backward\":\(sync.bucketsStartedDuringBackward),"
              + "\"parameters\":[\(values)]}")
    }
    fflush(nil)   // every output stream: the parent reads lines as they come
}
