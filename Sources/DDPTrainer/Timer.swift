import DDPData
import DDPTensor

/// Measures the time spent training and validating, and stops training once `duration` has
/// passed: Lightning's `Timer` callback, which `Trainer(maxTime:)` adds.
///
///     let timer = try Timer(duration: "00:12:00:00")  // 12 hours, Lightning's DD:HH:MM:SS
///     let trainer = try Trainer(callbacks: [timer])
///     // later: timer.timeElapsed(), timer.timeRemaining()
///
/// The limit is checked after every training batch (``Interval/step``) or every training
/// epoch (``Interval/epoch``). Ranks' clocks differ, so rank 0 decides and sends its decision
/// to the others (one number per check), and every rank stops after the same batch. A stop
/// waits for `minEpochs` and `minSteps`. The time elapsed is saved in checkpoints, and a
/// resumed run counts on from it.
public final class Timer: Callback {
    public enum Interval: String, Sendable { case step, epoch }

    /// What is timed, named as Lightning's running stages.
    public enum Stage: String, Sendable, CaseIterable {
        case training = "train"
        case validating = "validate"
    }

    /// The time limit of training, in seconds (`nil`: none, the timer only measures).
    public let duration: Double?
    public let interval: Interval
    /// Whether this timer stopped training.
    public private(set) var reachedLimit = false

    private let now: () -> Double
    private var startTimes: [Stage: Double] = [:]
    private var endTimes: [Stage: Double] = [:]
    /// Training seconds of the run a checkpoint continues.
    private var offset = 0.0

    /// - Parameter now: the clock, in seconds from any fixed point (tests drive their own).
    public init(duration: Duration? = nil, interval: Interval = .step, now: @escaping () -> Double = MonotonicClock.seconds) {
        self.duration = duration.map(Self.seconds)
        self.interval = interval
        self.now = now
    }

    /// A timer whose limit is written as Lightning writes it, `DD:HH:MM:SS`.
    /// - Throws: ``TrainerError`` for another form.
    public convenience init(duration: String, interval: Interval = .step, now: @escaping () -> Double = MonotonicClock.seconds) throws {
        self.init(duration: try Self.duration(parsing: duration), interval: interval, now: now)
    }

    /// Reads Lightning's `DD:HH:MM:SS` (days, then two-digit hours, minutes and seconds).
    public static func duration(parsing text: String) throws -> Duration {
        // Surrounding blanks are allowed, as Lightning strips them.
        let trimmed = text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed()
        let fields = String(trimmed).split(separator: ":", omittingEmptySubsequences: false)
        let digitsOnly = fields.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
        guard fields.count == 4, digitsOnly, fields.dropFirst().allSatisfy({ $0.count == 2 }),
              let days = Int(fields[0]), days < 100_000_000,
              let hours = Int(fields[1]), let minutes = Int(fields[2]), let seconds = Int(fields[3]) else {
            throw TrainerError("'\(text)' is not a duration: write it DD:HH:MM:SS (days, hours, minutes, seconds), as 00:12:00:00")
        }
        return .seconds(((days * 24 + hours) * 60 + minutes) * 60 + seconds)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    /// When `stage` last started, on the timer's clock.
    public func startTime(_ stage: Stage = .training) -> Double? { startTimes[stage] }
    /// When `stage` last ended, on the timer's clock.
    public func endTime(_ stage: Stage = .training) -> Double? { endTimes[stage] }

    /// Seconds spent in `stage` (its last run; for training, with the time of the run a
    /// checkpoint continued).
    public func timeElapsed(_ stage: Stage = .training) -> Double {
        let carried = stage == .training ? offset : 0
        guard let start = startTimes[stage] else { return carried }
        return (endTimes[stage] ?? now()) - start + carried
    }

    /// Seconds left before the limit (`nil`: no limit).
    public func timeRemaining(_ stage: Stage = .training) -> Double? {
        duration.map { $0 - timeElapsed(stage) }
    }

    public func onFitStart(_ trainer: Trainer, _ module: any TrainingModule) throws {
        // Checked before training too, as a resumed run may have used up its time already.
        startTimes[.training] = nil
        endTimes[.training] = nil
        checkTimeRemaining(trainer)
        startTimes[.training] = now()
    }

    public func onFitEnd(_ trainer: Trainer, _ module: any TrainingModule) throws {
        endTimes[.training] = now()
    }

    public func onValidationEpochStart(_ trainer: Trainer, _ module: any TrainingModule) throws {
        startTimes[.validating] = now()
        endTimes[.validating] = nil
    }

    public func onValidationEpochEnd(_ trainer: Trainer, _ module: any TrainingModule) throws {
        endTimes[.validating] = now()
    }

    public func onTrainBatchEnd(_ trainer: Trainer, _ module: any TrainingModule, batch: Batch, batchIndex: Int) throws {
        if interval == .step { checkTimeRemaining(trainer) }
    }

    public func onTrainEpochEnd(_ trainer: Trainer, _ module: any TrainingModule) throws {
        if interval == .epoch { checkTimeRemaining(trainer) }
    }

    /// Rank 0's clock decides; the others take its decision.
    private func checkTimeRemaining(_ trainer: Trainer) {
        guard let duration else { return }
        var decision = [timeElapsed() >= duration ? 1.0 : 0.0]
        if trainer.worldSize > 1 {
            decision.withUnsafeMutableBytes { trainer.communicator.broadcast($0, root: 0) }
        }
        if decision[0] > 0 {
            reachedLimit = true
            trainer.shouldStop = true
        }
    }

    public func stateDict() -> [String: Double] {
        Dictionary(uniqueKeysWithValues: Stage.allCases.map { ("time_elapsed_\($0.rawValue)", timeElapsed($0)) })
    }

    public func load(stateDict: [String: Double]) throws {
        offset = stateDict["time_elapsed_train"] ?? 0
    }
}
