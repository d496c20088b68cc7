import DDPNN
import Foundation

/// Saves checkpoints during `fit`, as Lightning's `ModelCheckpoint`: every `everyNTrainSteps`
/// optimizer steps or every `everyNEpochs` epochs, to `directory/epoch=E-step=S.safetensors`,
/// keeping the `saveTopK` best by `monitor` (or the newest without one), and the latest in
/// `last.safetensors`.
///
///     let checkpoints = ModelCheckpoint(directory: "checkpoints", monitor: "val_loss", saveTopK: 3)
///     let trainer = try Trainer(maxEpochs: 10, callbacks: [checkpoints])
///     try trainer.fit(model, train: loader, validation: validation)
///     // later, or after a crash:
///     try trainer.fit(model, train: loader, validation: validation, checkpointPath: "last")
///
/// Decisions use the logged metrics, averaged over ranks, so every rank takes the same ones;
/// rank 0 alone writes. A file is written whole to a temporary name and renamed, and an
/// older checkpoint is deleted only once its replacement is in place. A save happens at an
/// optimizer step boundary (after the validation that follows that batch, if any), or when
/// an epoch is over; a global step is saved once. With `saveLast`, the state at the end of
/// training is always in `last.safetensors` (when `maxSteps` or a stop request, such as the
/// time limit, ends training mid-epoch, the state before the epoch's end), so a longer run
/// can continue from it. A fast_dev_run saves nothing.
public final class ModelCheckpoint: Callback {
    public enum Mode: String, Sendable { case min, max }

    /// The folder of the checkpoint files (created by rank 0 when missing).
    public let directory: String
    /// The logged metric that ranks checkpoints (`nil`: the newest are the best).
    public let monitor: String?
    public let mode: Mode
    /// How many checkpoints to keep besides `last` (-1: all, 0: none).
    public let saveTopK: Int
    /// Keep the latest state in `last.safetensors` as well.
    public let saveLast: Bool
    /// Save every this many optimizer steps (`nil`: not by steps).
    public let everyNTrainSteps: Int?
    /// Save every this many epochs (`nil`: not by epochs).
    public let everyNEpochs: Int?

    /// The kept checkpoint files (names in ``directory``) and their scores (without a
    /// monitor: the global step), in the order they were saved.
    public private(set) var kept: [(file: String, score: Double)] = []
    /// The global step of the latest save (`nil`: none yet).
    public private(set) var lastSavedStep: Int?

    /// The name of the file that always holds the latest state.
    public static let lastFileName = "last.safetensors"

    /// - Parameters:
    ///   - everyNTrainSteps, everyNEpochs: when to save; with neither, every epoch.
    public init(
        directory: String, monitor: String? = nil, mode: Mode = .min, saveTopK: Int = 1, saveLast: Bool = true,
        everyNTrainSteps: Int? = nil, everyNEpochs: Int? = nil
    ) {
        precondition(saveTopK >= -1, "ModelCheckpoint saveTopK must be -1 (all), 0 (none) or more, got \(saveTopK)")
        precondition((everyNTrainSteps ?? 1) >= 1 && (everyNEpochs ?? 1) >= 1,
                     "ModelCheckpoint everyNTrainSteps and everyNEpochs must be at least 1")
        self.directory = directory
        self.monitor = monitor
        self.mode = mode
        self.saveTopK = saveTopK
        self.saveLast = saveLast
        self.everyNTrainSteps = everyNTrainSteps
        self.everyNEpochs = everyNTrainSteps == nil && everyNEpochs == nil ? 1 : everyNEpochs
    }

    /// The path of `last.safetensors`.
    public var lastPath: String { path(Self.lastFileName) }

    /// The path of the best kept checkpoint (`nil`: none kept).
    public var bestModelPath: String? {
        let best = monitor == nil ? kept.max { $0.score < $1.score } : kept.min { isWorse($1.score, than: $0.score) }
        return best.map { path($0.file) }
    }

    /// The score of ``bestModelPath``.
    public var bestModelScore: Double? {
        guard let best = bestModelPath else { return nil }
        return kept.first { path($0.file) == best }?.score
    }

    func path(_ file: String) -> String { (directory as NSString).appendingPathComponent(file) }

    /// Whether `a` ranks below `b` (NaN ranks below everything).
    private func isWorse(_ a: Double, than b: Double) -> Bool {
        if a.isNaN { return !b.isNaN }
        if b.isNaN { return false }
        return mode == .min ? a > b : a < b
    }

    // MARK: Saving

    /// Saves if `boundary` is one of this callback's save points.
    func reach(_ boundary: CheckpointBoundary, trainer: Trainer) throws {
        // As Lightning: fast_dev_run saves nothing.
        guard !trainer.isFastDevRun else { return }
        let epochLabel: Int
        switch boundary {
        case .batchEnd(let stepped, let lastOfEpoch):
            guard stepped else { return }
            let due = everyNTrainSteps.map { trainer.globalStep % $0 == 0 } ?? false
            // Training that ends mid-epoch: keep the state before the epoch's end is processed.
            let endsEarly = (trainer.reachedMaxSteps || trainer.stopsNow) && !lastOfEpoch
            guard due || endsEarly else { return }
            epochLabel = trainer.currentEpoch
        case .epochEnd:
            guard let every = everyNEpochs, trainer.currentEpoch % every == 0 else { return }
            epochLabel = trainer.currentEpoch - 1
        case .fitEnd:
            // The final state goes to `last` alone, so that a longer run can continue it.
            guard saveLast, lastSavedStep != trainer.globalStep else { return }
            try save(epoch: trainer.currentEpoch - 1, trainer: trainer, ranked: false)
            return
        }
        guard lastSavedStep != trainer.globalStep else { return }
        try save(epoch: epochLabel, trainer: trainer, ranked: true)
    }

    /// Saves `last` and, when `ranked`, a named checkpoint if it makes the top k.
    private func save(epoch: Int, trainer: Trainer, ranked: Bool) throws {
        let step = trainer.globalStep
        var newFile: String?
        var evicted: [String] = []
        let score: Double? = monitor == nil ? Double(step) : monitor.flatMap { trainer.callbackMetrics[$0] }
        if ranked, saveTopK != 0, let score {
            let worst = kept.indices.max { monitor == nil ? kept[$0].score > kept[$1].score : isWorse(kept[$1].score, than: kept[$0].score) }
            let full = saveTopK > 0 && kept.count >= saveTopK
            if !full || monitor == nil || isWorse(kept[worst!].score, than: score) {
                let file = uniqueFileName(epoch: epoch, step: step)
                newFile = file
                kept.append((file, score))
                if full, let worst { evicted.append(kept.remove(at: worst).file) }
            }
        }
        lastSavedStep = step
        try trainer.writeCheckpoint { checkpoint in
            try LogFolder.create(directory)
            let data = checkpoint.file().encoded()
            if let newFile { try AtomicFile.write(data, to: path(newFile)) }
            if saveLast { try AtomicFile.write(data, to: lastPath) }
            // Only now that the new state is safely on disk.
            for file in evicted where file != newFile { try? FileManager.default.removeItem(atPath: path(file)) }
            AtomicFile.removeAbandonedTemporaries(in: directory)
        }
    }

    /// Rank 0, once the resumed state (if any) is restored: removes what killed runs left in
    /// ``directory``, temporary files and, on resume, the checkpoints this run's pruning had
    /// already evicted (a kill can fall between a save and the eviction it decided).
    func removeLeftovers(trainer: Trainer, resumed: Bool) {
        guard trainer.isGlobalZero else { return }
        AtomicFile.removeAbandonedTemporaries(in: directory)
        guard resumed, saveTopK >= 0, let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        let keptFiles = Set(kept.map(\.file))
        for name in names where !keptFiles.contains(name) {
            guard let step = Self.step(ofCheckpointNamed: name), step <= trainer.globalStep else { continue }
            try? FileManager.default.removeItem(atPath: path(name))
        }
    }

    /// The step of a file named as this callback names checkpoints (`epoch=E-step=S[-vN].safetensors`).
    static func step(ofCheckpointNamed name: String) -> Int? {
        guard name.hasPrefix("epoch="), name.hasSuffix(".safetensors"),
              let stepStart = name.range(of: "-step=") else { return nil }
        let digits = name[stepStart.upperBound...].prefix { $0.isNumber }
        return Int(digits)
    }

    /// `epoch=E-step=S.safetensors`, with `-vN` when that name is taken.
    private func uniqueFileName(epoch: Int, step: Int) -> String {
        let base = "epoch=\(epoch)-step=\(step)"
        var name = base + ".safetensors"
        var version = 1
        while kept.contains(where: { $0.file == name }) || FileManager.default.fileExists(atPath: path(name)) {
            name = "\(base)-v\(version).safetensors"
            version += 1
        }
        return name
    }

    // MARK: State

    public func stateDict() -> [String: Double] {
        var state: [String: Double] = [:]
        if let lastSavedStep { state["last_saved_step"] = Double(lastSavedStep) }
        for (order, entry) in kept.enumerated() {
            state["kept/\(entry.file)"] = entry.score
            state["order/\(entry.file)"] = Double(order)
        }
        return state
    }

    public func load(stateDict: [String: Double]) throws {
        var entries: [(file: String, score: Double, order: Double)] = []
        for (key, score) in stateDict where key.hasPrefix("kept/") {
            let file = String(key.dropFirst("kept/".count))
            guard let order = stateDict["order/\(file)"] else {
                throw TrainerError("ModelCheckpoint state has no order for \(file): it was saved by another callback")
            }
            entries.append((file, score, order))
        }
        if let saved = stateDict["last_saved_step"], Int(exactly: saved) == nil {
            throw TrainerError("ModelCheckpoint state has last_saved_step \(saved), which is not a step: the checkpoint is corrupted")
        }
        kept = entries.sorted { $0.order < $1.order }.map { ($0.file, $0.score) }
        lastSavedStep = stateDict["last_saved_step"].flatMap { Int(exactly: $0) }
    }
}

/// A point of `fit` where the state is complete enough to save and resume exactly.
enum CheckpointBoundary {
    /// After a batch, its optimizer steps and any validation that follows it.
    case batchEnd(stepped: Bool, lastOfEpoch: Bool)
    /// After an epoch and its end-of-epoch work (epoch metrics, schedulers, callbacks).
    case epochEnd
    /// When training is over.
    case fitEnd
}

extension Trainer {
    /// Lets the checkpoint callbacks save at `boundary` (on every rank: saving is collective).
    func reachCheckpointBoundary(_ boundary: CheckpointBoundary) throws {
        for callback in callbacks {
            if let checkpointing = callback as? ModelCheckpoint { try checkpointing.reach(boundary, trainer: self) }
        }
    }
}
