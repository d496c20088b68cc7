import DDPTasks

/// The line a run ends with: the latest value of each metric that shows how training went,
/// the untrained model's figure next to it where the task has one (a GAN's mode coverage, a
/// CycleGAN's held-out cycle error, a GPT's bits per character), and a logged `cycle_loss`'s first and last value.
struct RunSummary {
    /// The metrics shown when logged, in this order.
    static let shownMetrics = [
        "test_acc", "test_loss", "val_acc", "val_loss", "val_bpc", "mode_coverage", "high_quality_fraction", "val_real_accuracy", "val_cycle_loss",
        "val_translation_error", "d_loss", "g_loss", "train_loss",
    ]

    var metrics: [String: Double]
    /// The first and last logged `cycle_loss` (`nil` for a validation pass).
    var cycleLoss: SeriesEndpoints?
    var module: any TrainingModule
    /// ``untrainedFigures(of:validation:)`` measured before training, by metric name.
    var untrained: [String: Double] = [:]

    /// The figures of `module` before it is trained that its validation logs after: it
    /// learned when they move (the GAN's samples cover more modes, the cycle error falls).
    static func untrainedFigures(of module: any TrainingModule, validation: (any Dataset)?) throws -> [String: Double] {
        if let gpt = module as? GPTTask, let validation { return ["val_bpc": gpt.bitsPerCharacter(on: validation)] }
        if let gan = module as? GANTask { return ["mode_coverage": Double(try gan.sampleQuality().coveredModes)] }
        if let cycleGAN = module as? CycleGANTask {
            let heldOut = cycleGAN.domains.validation
            return ["val_cycle_loss": cycleGAN.cycleError(a: heldOut.inputs, b: heldOut.targets!)]
        }
        return [:]
    }

    var line: String {
        var shown = Self.shownMetrics.compactMap { name in metrics[name].map { describe(name, $0) } }
        if let series = cycleLossSeries { shown.append(series) }
        return shown.isEmpty ? "no metrics logged" : shown.joined(separator: ", ")
    }

    private func describe(_ name: String, _ value: Double) -> String {
        let text = { (value: Double) -> String in
            guard name == "mode_coverage", let gan = module as? GANTask else { return formatted(value) }
            return "\(Int(value))/\(gan.data.modeCenters.count)"
        }
        guard let before = untrained[name] else { return "\(name) \(text(value))" }
        let fall = name == "val_cycle_loss" ? " (\(formatted(before / value))x lower)" : ""
        return "\(name) \(text(before)) untrained -> \(text(value))\(fall)"
    }

    /// `cycle_loss A (step s) -> B (step t)`: the first and last training value logged.
    private var cycleLossSeries: String? {
        guard let first = cycleLoss?.first, let last = cycleLoss?.last else { return nil }
        return "cycle_loss \(formatted(first.value)) (step \(first.step)) -> \(formatted(last.value)) (step \(last.step))"
    }
}
