import DDPTasks
import DDPTestSupport
import Testing
import Foundation

/// What a task's fit produced: the logged series and the run's length.
struct TaskRun {
    /// Every training-step value of each logged name, in step order.
    var series: [String: [Double]]
    /// The trainer's latest value of each metric (validation metrics included).
    var metrics: [String: Double]
    var parameters: [Float]
    /// The first group's learning rate of every optimizer, after training.
    var learningRates: [Double]
    var seconds: Double

    func values(_ name: String) -> [Double] { series[name] ?? [] }
}

/// Fits `module` for `epochs` epochs (or `steps` batches) with `globalBatchSize` samples per
/// batch shared by the ranks of `communicator` (one process when `nil`), validating after
/// every epoch when `validate`. `loaders` builds the loaders from the per-rank batch size.
func fitTask(
    _ module: some TrainingModule, epochs: Int? = nil, steps: Int? = nil, globalBatchSize: Int,
    communicator: (any Communicator)? = nil, validate: Bool = false,
    loaders: (Int) throws -> (training: DataLoader, validation: DataLoader)
) throws -> TaskRun {
    let communicator = communicator ?? LocalCommunicator()
    precondition(globalBatchSize % communicator.worldSize == 0)
    let (training, validation) = try loaders(globalBatchSize / communicator.worldSize)
    let trainer = try Trainer(
        maxEpochs: epochs, maxSteps: steps, logEveryNSteps: 1, seed: 0,
        communicator: communicator, enableProgressBar: false,
        checkConsistency: communicator.worldSize > 1 ? 1 : nil, keepLoggedEvents: true)
    let start = Date()
    try trainer.fit(module, train: training, validation: validate ? validation : nil)
    var series: [String: [Double]] = [:]
    for event in trainer.loggedEvents {
        for value in event.values { series[value.name, default: []].append(value.value) }
    }
    return TaskRun(series: series, metrics: trainer.callbackMetrics,
                   parameters: module.parameters().flatMap(\.scalars),
                   learningRates: trainer.optimizers.map { $0.paramGroups[0].lr }, seconds: Date().timeIntervalSince(start))
}

/// The mean of the first and of the last `count` values.
func endpoints(_ values: [Double], count: Int) -> (first: Double, last: Double) {
    (values.prefix(count).reduce(0, +) / Double(min(count, values.count)),
     values.suffix(count).reduce(0, +) / Double(min(count, values.count)))
}

/// Runs `run` in one process with the whole global batch and on two ranks (threads) sharing
/// it, and returns both: rank 0's run of the two.
func singleAndTwoRanks(_ run: @escaping @Sendable (any Communicator) throws -> TaskRun) throws -> (single: TaskRun, distributed: TaskRun) {
    let single = try run(LocalCommunicator())
    let ranks = ThreadGroupCommunicator.run(worldSize: 2) { communicator in try run(communicator) }
    let distributed = try ranks.map { try $0.get() }
    let replicasAgree = distributed[0].parameters == distributed[1].parameters
    #expect(replicasAgree, "the ranks' replicas differ")
    return (single, distributed[0])
}

/// Expects the same series of `names` and the same final weights from both runs, to a
/// relative 1e-5 (the ranks sum gradients in another order than one process does).
func expectSameTraining(_ single: TaskRun, _ distributed: TaskRun, names: [String], steps: Int) {
    for name in names {
        let a = single.values(name), b = distributed.values(name)
        #expect(a.count == steps && b.count == steps, "\(name): \(a.count) and \(b.count) values for \(steps) steps")
        let difference = maxRelativeDifference(b, a)
        #expect(difference < 1e-5, "\(name): one process \(a.prefix(3))..., two ranks \(b.prefix(3))..., relative difference \(difference)")
    }
    // Adam divides by the root of tiny second moments, so weights get an absolute margin.
    let close = allClose(distributed.parameters, single.parameters, rtol: 1e-4, atol: 1e-5)
    let largest = zip(distributed.parameters, single.parameters).map { abs($0 - $1) }.max() ?? 0
    #expect(close, "final weights differ by up to \(largest)")
}
