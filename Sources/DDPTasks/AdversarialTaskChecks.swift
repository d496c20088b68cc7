/// The rules the `gan` and `cyclegan` tasks share: Adam at `--lr` with `--betas`, no
/// scheduler of the generic kind, their own built-in data, and hidden layers of one width.
extension TaskSettings {
    /// Throws for an option these tasks cannot honour, naming it: each is one line saying
    /// what to do instead, rather than an option silently ignored.
    func checkAdversarialOptions() throws {
        try rejectModel()
        if let classes = model.classes { throw TaskError("--classes \(classes) does not apply to the \(task) task, which has no classes") }
        if data.path != nil {
            let choice = task == "gan" ? "choose --gan-data ring or digits" : "it translates the built-in digits (--transform inverted|rotated)"
            throw TaskError("--data reads a file, which the \(task) task does not: \(choice)")
        }
        if let column = data.labelColumn { throw TaskError("--label-column '\(column)' does not apply to the \(task) task") }
        try TaskError.require([0, 0.1].contains(data.valSplit),
            "the \(task) task holds out a fixed tenth of its samples: --val-split takes 0.1 (the default) or 0 (no validation), got \(data.valSplit)")
        if let name = optimizer.name, name != "adam" {
            throw TaskError("--optimizer \(name) does not apply to the \(task) task, which trains with Adam (--lr, --betas)")
        }
        // Every optimizer option but Adam's two would be ignored, including any added later.
        if let option = optimizer.givenOptionKeys.first(where: { !["optimizer", "lr", "betas"].contains($0) }) {
            throw TaskError("--\(option) does not apply to the \(task) task, whose Adams take --lr and --betas")
        }
        if let name = scheduler.name {
            let instead = task == "cyclegan"
                ? "separate optimizers share a decay with --decay-steps and --decay-rate"
                : "its learning rates are constant"
            throw TaskError("--scheduler \(name) does not apply to the \(task) task: \(instead)")
        }
        if let key = scheduler.givenParameterKeys.first {
            throw TaskError("--\(key) does not apply to the \(task) task, which has no scheduler of the generic kind")
        }
        if let lr = optimizer.lr { try TaskError.require(lr > 0, "--lr must be positive, got \(lr)") }
    }

    /// Adam's betas: `--betas` or GANs' usual (0.5, 0.999).
    func adversarialBetas() throws -> (Double, Double) {
        guard let betas = optimizer.betas?.elements else { return (0.5, 0.999) }
        try TaskError.require(betas.count == 2, "--betas takes two numbers like 0.5,0.999, got \(betas.count)")
        try TaskError.require(betas.allSatisfy { (0..<1).contains($0) }, "--betas must be in [0, 1), got \(betas.map { "\($0)" }.joined(separator: ","))")
        return (betas[0], betas[1])
    }

    /// The width and number of hidden layers `--hidden` gives (`default` when absent): the
    /// networks' hidden layers all have one width.
    func hiddenShape(default defaultShape: (size: Int, layers: Int)) throws -> (size: Int, layers: Int) {
        guard let hidden = model.hidden?.elements, let width = hidden.first else { return defaultShape }
        try TaskError.require(hidden.allSatisfy { $0 == width },
            "--hidden takes equal widths for the \(task) task (every hidden layer of its networks is as wide), like \(width),\(width); got \(hidden.map(String.init).joined(separator: ","))")
        return (width, hidden.count)
    }

    /// The samples a GAN task holds out, or `nil` with `--val-split 0`.
    func heldOut(_ validation: TensorDataset) -> TensorDataset? {
        data.valSplit > 0 ? validation : nil
    }
}
