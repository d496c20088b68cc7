import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes an event file that TensorBoard reads (`tensorboard --logdir <directory>`): each
/// logged value becomes a scalar under its metric name, at the record's step and wall time.
///
/// The file is named as TensorFlow and PyTorch name theirs,
/// `events.out.tfevents.<unix seconds>.<host name>.<process id>.<n>`, with `n` the first
/// number that names no existing file. Values are stored as 32-bit floats, as TensorBoard's
/// scalar summaries are. Each record is written as soon as it is logged, so a crash loses at
/// most the event being written (readers skip a torn last record by its checksum).
///
/// Steps should not decrease from one record to the next: TensorBoard takes a smaller step
/// for a restart from a checkpoint and drops the values logged after it.
public final class TensorBoardLogger: MetricsLogger {
    /// The path of the event file.
    public let path: String

    private var file: AppendingFile?

    /// Creates `directory` when missing and starts the event file with its version event.
    public init(directory: String) throws {
        try LogFolder.create(directory)
        let stem = "events.out.tfevents.\(Int(Date().timeIntervalSince1970)).\(Self.hostName()).\(getpid())"
        var index = 0
        while FileManager.default.fileExists(atPath: LogFolder.path("\(stem).\(index)", in: directory)) {
            index += 1
        }
        path = LogFolder.path("\(stem).\(index)", in: directory)
        let file = try AppendingFile(path: path, truncating: true)
        try file.write(TFRecord.framed(TensorBoardEvent.fileVersion(wallTime: Date().timeIntervalSince1970)))
        self.file = file
    }

    /// Writes one event holding every value of the record, in a single write.
    public func record(_ record: MetricsRecord) throws {
        guard let file else {
            throw LoggingError(path: path, reason: "the TensorBoard logger was already finished; create a new one to log again")
        }
        let event = TensorBoardEvent.scalars(record.values, step: record.step, wallTime: record.wallTime)
        try file.write(TFRecord.framed(event))
    }

    public func finish() throws {
        let file = self.file
        self.file = nil
        try file?.close()
    }

    /// The host name as the operating system reports it, with `/` (which cannot be in a file
    /// name) replaced.
    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .replacingOccurrences(of: "/", with: "_")
        return name.isEmpty ? "localhost" : name
    }
}

/// The encodings of the two kinds of `tensorflow.Event` written: the version event that opens
/// a file and scalar summaries. Field numbers are those of TensorFlow's `event.proto`
/// (`wall_time` 1, `step` 2, `file_version` 3, `summary` 5) and `summary.proto`
/// (`Summary.value` 1; `Summary.Value.tag` 1, `simple_value` 2).
enum TensorBoardEvent {
    static func fileVersion(wallTime: Double) -> [UInt8] {
        var event = ProtobufEncoder()
        event.appendDouble(field: 1, wallTime)
        event.appendString(field: 3, "brain.Event:2")
        return event.bytes
    }

    static func scalars(_ values: [MetricValue], step: Int, wallTime: Double) -> [UInt8] {
        var summary = ProtobufEncoder()
        for metric in values {
            var value = ProtobufEncoder()
            value.appendString(field: 1, metric.name)
            value.appendFloat(field: 2, Float(metric.value))
            summary.appendMessage(field: 1, value)
        }
        var event = ProtobufEncoder()
        event.appendDouble(field: 1, wallTime)
        event.appendInt64(field: 2, Int64(step))
        event.appendMessage(field: 5, summary)
        return event.bytes
    }
}
