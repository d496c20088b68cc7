import DDPData

extension Trainer {
    /// Runs one validation pass of `module` over `data` (sharded over the ranks, every sample
    /// read once) and returns the logged metrics, averaged over ranks: Lightning's
    /// `trainer.validate(model, dataloaders)`.
    ///
    /// A collective: every rank calls it with the same module structure and data size.
    @discardableResult
    public func validate<Module: TrainingModule>(_ module: Module, data: DataLoader) throws -> [String: Double] {
        try randomStream.makeCurrent { try validateWithStream(module, data: data) }
    }

    private func validateWithStream<Module: TrainingModule>(_ module: Module, data: DataLoader) throws -> [String: Double] {
        try attach(module)
        self.module = module
        defer {
            detach(module)
            self.module = nil
            metrics.stage = .idle
        }
        try callSetupHooks(module, .validate)
        let loader = try data.sharded(rank: rank, worldSize: worldSize, remainder: .uneven)
        numValidationBatches = limitValBatches.batches(of: loader.batchesPerEpoch)
        try validate(module, loader: loader)
        try callTeardownHooks(module, .validate)
        if isGlobalZero { for logger in loggers { try logger.finish() } }
        return callbackMetrics
    }
}
