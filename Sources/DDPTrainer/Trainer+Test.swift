import DDPData
import DDPTensor

extension Trainer {
    /// Runs `module`'s ``TrainingModule/testStep(_:batchIndex:)`` once over every sample of
    /// `data` (sharded over the ranks, each sample read once, shards of unequal size allowed;
    /// on each rank only the first batches `limitTestBatches` allows) and returns what it
    /// logged, each metric the mean over all ranks' samples: Lightning's
    /// `trainer.test(model, dataloaders)`. The values also go to the loggers, which are
    /// then finished.
    ///
    /// A collective: every rank calls it with the same module structure and data size.
    @discardableResult
    public func test<Module: TrainingModule>(_ module: Module, data: DataLoader) throws -> [String: Double] {
        try randomStream.makeCurrent { try testWithStream(module, data: data) }
    }

    private func testWithStream<Module: TrainingModule>(_ module: Module, data: DataLoader) throws -> [String: Double] {
        try attach(module)
        self.module = module
        let wasTraining = module.isTraining
        defer {
            module.train(wasTraining)
            detach(module)
            self.module = nil
            metrics.stage = .idle
        }
        try callSetupHooks(module, .test)
        let loader = try data.sharded(rank: rank, worldSize: worldSize, remainder: .uneven)
        module.eval()
        metrics.stage = .test
        try noGrad {
            let batchCount = limitTestBatches.batches(of: loader.batchesPerEpoch)
            for (index, batch) in loader.batches(epoch: 0).enumerated() where index < batchCount {
                metrics.currentBatchSize = batch.count
                try module.testStep(batch, batchIndex: index)
            }
        }
        metrics.discardStep()
        let values = try metrics.finishEpoch(.test, communicator: communicator)
        try record(values)
        try callTeardownHooks(module, .test)
        if isGlobalZero { for logger in loggers { try logger.finish() } }
        return Dictionary(values.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
    }
}
