import DDPTensor
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows training progress on rank 0.
///
/// On a terminal, one line per epoch is redrawn in place (with a carriage return, at most ten
/// times a second so that drawing never slows training) and kept when the epoch ends. In a log
/// file, where redrawn lines would pile up, a plain line appears each time another
/// `1 / plainLinesPerEpoch` of the epoch is done (at most one per `minimumPlainInterval`
/// seconds) or when `maximumPlainInterval` seconds passed without one, and one summary line
/// closes the epoch.
public final class ProgressReporter {
    /// Seconds between redraws of the terminal line.
    public static let redrawInterval = 0.1
    /// In a log file, the least time between two progress lines, so fast epochs show only their summary.
    public static let minimumPlainInterval = 2.0
    /// In a log file, the most time without a progress line during a long epoch.
    public static let maximumPlainInterval = 30.0
    /// In a log file, the number of parts of an epoch that each end with a progress line.
    public static let plainLinesPerEpoch = 10

    private let write: (String) -> Void
    private let isTerminal: Bool
    private let totalEpochs: Int?
    private let clock: () -> Double
    private let width: Int?

    private var epoch = 0
    private var batches = 0
    private var epochStart = 0.0
    private var batch = 0
    private var metrics: [MetricValue] = []
    /// When the last line was written, and the part of the epoch it stood in.
    private var lastWrite = -Double.infinity
    private var lastPart = 0
    /// Characters of the line now on the terminal, to blank what a shorter line leaves over.
    private var drawnLength = 0

    /// - Parameters:
    ///   - write: receives the text, line breaks and carriage returns included.
    ///   - isTerminal: whether the text goes to a terminal, where a line can be redrawn.
    ///   - totalEpochs: the epochs of the run, shown as "Epoch 3/10"; nil when unbounded.
    ///   - width: the terminal's width in characters; longer lines are cut, as a wrapped line
    ///     cannot be redrawn. Nil leaves lines whole.
    ///   - clock: seconds from a monotonic source.
    public init(
        write: @escaping (String) -> Void, isTerminal: Bool, totalEpochs: Int?, width: Int? = nil,
        clock: @escaping () -> Double = MonotonicClock.seconds
    ) {
        self.write = write
        self.isTerminal = isTerminal
        self.totalEpochs = totalEpochs
        self.width = width
        self.clock = clock
        epochStart = clock()
    }

    /// Writes to `output`, standard error by default; whether it is a terminal, and its width,
    /// are asked of the operating system unless given (or set by ``displayVariable``). A
    /// failed write (a closed pipe) is ignored, since progress is not worth stopping training for.
    public convenience init(output: FileHandle = .standardError, isTerminal: Bool? = nil, totalEpochs: Int?) {
        let descriptor = output.fileDescriptor
        let terminal = isTerminal ?? Self.displayOverride ?? (isatty(descriptor) != 0)
        self.init(
            write: { try? output.write(contentsOf: Data($0.utf8)) }, isTerminal: terminal, totalEpochs: totalEpochs,
            width: terminal ? Self.terminalWidth(descriptor) : nil)
    }

    /// `SWIFT_DDP_PROGRESS`: `bar` draws the bar even though the output is not a terminal,
    /// `plain` writes plain lines even on a terminal. A rank started by `mpirun` writes
    /// standard error into a pipe that `mpirun` copies to the user's terminal, so only the
    /// launcher can tell that a bar will be seen (`launch/swift-ddp` sets `bar` then).
    public static let displayVariable = "SWIFT_DDP_PROGRESS"

    /// What ``displayVariable`` asks for: `true` a bar, `false` plain lines, `nil` unset.
    static var displayOverride: Bool? {
        switch getenv(displayVariable).map({ String(cString: $0) }) {
        case "bar": return true
        case "plain": return false
        default: return nil
        }
    }

    /// Whether standard error is a terminal.
    public static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }
    /// Whether standard output is a terminal.
    public static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) != 0 }

    /// Starts the display of `epoch` (counted from 0), which has `batches` batches (0 when unknown).
    public func startEpoch(_ epoch: Int, batches: Int) {
        self.epoch = epoch
        self.batches = max(batches, 0)
        epochStart = clock()
        batch = 0
        metrics = []
        lastWrite = epochStart
        lastPart = 0
        drawnLength = 0
        if isTerminal { draw(snapshot(at: epochStart)) }
    }

    /// Reports that `batch` batches of the epoch are done (1 after the first), with the latest
    /// values to show. Cheap when nothing is written, so it can be called after every batch.
    public func update(batch: Int, metrics: [(String, Double)]) {
        self.batch = batch
        if !metrics.isEmpty { self.metrics = metrics.map { MetricValue(name: $0.0, value: $0.1) } }
        let now = clock()
        if isTerminal {
            if now - lastWrite >= Self.redrawInterval || (batches > 0 && batch >= batches) {
                draw(snapshot(at: now))
                lastWrite = now
            }
        } else {
            let part = batches > 0 ? batch * Self.plainLinesPerEpoch / batches : 0
            let sinceLast = now - lastWrite
            let onSchedule = part > lastPart && sinceLast >= Self.minimumPlainInterval
            let epochDone = batches > 0 && batch >= batches
            if !epochDone && (onSchedule || sinceLast >= Self.maximumPlainInterval) {
                write(snapshot(at: now).plainLine() + "\n")
                lastWrite = now
                lastPart = part
            }
        }
    }

    /// Closes the epoch's display, showing `metrics` (such as validation results) after the
    /// latest values of `update`, replacing those of the same name.
    public func endEpoch(metrics: [(String, Double)]) {
        for (name, value) in metrics {
            if let index = self.metrics.firstIndex(where: { $0.name == name }) {
                self.metrics[index].value = value
            } else {
                self.metrics.append(MetricValue(name: name, value: value))
            }
        }
        let final = snapshot(at: clock())
        if isTerminal {
            draw(final)
            write("\n")
        } else {
            write(final.summaryLine() + "\n")
        }
        drawnLength = 0
    }

    // MARK: - Drawing

    private func snapshot(at now: Double) -> ProgressSnapshot {
        ProgressSnapshot(
            epoch: epoch, totalEpochs: totalEpochs, batch: batch, batches: batches,
            elapsed: now - epochStart, metrics: metrics)
    }

    /// Replaces the terminal line by `snapshot`'s.
    private func draw(_ snapshot: ProgressSnapshot) {
        var line = snapshot.terminalLine()
        if let width, width > 1, line.count > width - 1 {
            line = String(line.prefix(width - 1))
        }
        let blanking = String(repeating: " ", count: max(drawnLength - line.count, 0))
        write("\r" + line + blanking)
        drawnLength = line.count
    }

    /// The width of the terminal on `descriptor`, or nil when it cannot be asked.
    private static func terminalWidth(_ descriptor: Int32) -> Int? {
        var size = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}
