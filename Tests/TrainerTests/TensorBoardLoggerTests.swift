import DDPTestSupport
import Foundation
import SwiftDDP
import Testing

@Suite struct TensorBoardLoggerTests {
    /// Records with several tags, one logged once an epoch, at increasing steps.
    private let records: [MetricsRecord] = (0..<12).map { step in
        var values = [MetricValue(name: "train_loss", value: 1 / Double(step + 1)), MetricValue(name: "lr", value: 0.1 * pow(0.9, Double(step)))]
        if step % 4 == 3 { values.append(MetricValue(name: "val/accuracy", value: 0.5 + Double(step) / 100)) }
        return MetricsRecord(step: step * 10, epoch: step / 4, values: values, wallTime: 1_700_000_000.125 + Double(step))
    }

    /// TensorBoard's own reader: `{tag: [[step, value, wall_time], ...]}`, with the numbers as
    /// Python's shortest exact text, which Swift's `Double(_:)` reads back exactly (JSON
    /// readers may not, and JSON cannot hold NaN).
    private static let readScalars = """
        import json, sys
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
        ea = EventAccumulator(sys.argv[1])
        ea.Reload()
        out = {"file_version": ea.file_version, "scalars": {}}
        for tag in ea.Tags()["scalars"]:
            out["scalars"][tag] = [[e.step, repr(e.value), repr(e.wall_time)] for e in ea.Scalars(tag)]
        print(json.dumps(out))
        """

    /// An independent check of the framing, with TensorBoard's CRC-32C code and its protobuf
    /// classes: prints the number of records and the first record's file version, or fails.
    private static let checkRecords = """
        import struct, sys
        from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c
        from tensorboard.compat.proto.event_pb2 import Event
        data = open(sys.argv[1], "rb").read()
        position, events = 0, []
        while position < len(data):
            header = data[position:position + 8]
            (length,) = struct.unpack("<Q", header)
            (header_crc,) = struct.unpack("<I", data[position + 8:position + 12])
            assert header_crc == masked_crc32c(header), "header crc of record %d" % len(events)
            body = data[position + 12:position + 12 + length]
            (body_crc,) = struct.unpack("<I", data[position + 12 + length:position + 16 + length])
            assert len(body) == length and body_crc == masked_crc32c(body), "data crc of record %d" % len(events)
            events.append(Event.FromString(body))
            position += 16 + length
        print(len(events), events[0].file_version, events[1].summary.value[0].tag)
        """

    private struct Scalar: Equatable {
        var step: Int
        var value: Double
        var wallTime: Double
    }

    private func scalars(in folder: String) throws -> (fileVersion: Double, scalars: [String: [Scalar]]) {
        let output = try runPython(Self.readScalars, arguments: [folder])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let tags = try #require(json["scalars"] as? [String: [[Any]]])
        let scalars = try tags.mapValues { events in
            try events.map { event in
                let step = event[0] as? Int, value = (event[1] as? String).flatMap(Double.init)
                let wallTime = (event[2] as? String).flatMap(Double.init)
                return Scalar(step: try #require(step), value: try #require(value), wallTime: try #require(wallTime))
            }
        }
        return (try #require(json["file_version"] as? Double), scalars)
    }

    @Test func tensorBoardReadsTheScalarsStepsAndWallTimes() throws {
        let folder = try makeTemporaryFolder()
        let logger = try TensorBoardLogger(directory: folder)
        for record in records { try logger.record(record) }
        try logger.finish()

        let name = (logger.path as NSString).lastPathComponent
        #expect(name.range(of: #"^events\.out\.tfevents\.\d{10}\..+\.\d+\.0$"#, options: .regularExpression) != nil)
        let read = try scalars(in: folder)
        #expect(read.fileVersion == 2)
        #expect(Set(read.scalars.keys) == ["train_loss", "lr", "val/accuracy"])
        for (tag, events) in read.scalars {
            let expected = records.compactMap { record in
                record.value(named: tag).map { Scalar(step: record.step, value: Double(Float($0)), wallTime: record.wallTime) }
            }
            #expect(events == expected, "\(tag)")
        }
    }

    @Test func everyRecordHasValidChecksumsAndCorruptionIsCaught() throws {
        let folder = try makeTemporaryFolder()
        let logger = try TensorBoardLogger(directory: folder)
        for record in records.prefix(3) { try logger.record(record) }
        try logger.finish()
        #expect(try runPython(Self.checkRecords, arguments: [logger.path]) == "4 brain.Event:2 train_loss\n")

        var bytes = try Data(contentsOf: URL(fileURLWithPath: logger.path))
        bytes[bytes.count - 10] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: logger.path))
        #expect(throws: PythonError.self) { try runPython(Self.checkRecords, arguments: [logger.path]) }
    }

    @Test func nonFiniteValuesAndLargeStepsSurvive() throws {
        let folder = try makeTemporaryFolder()
        let logger = try TensorBoardLogger(directory: folder)
        try logger.record(MetricsRecord(step: 1 << 40, epoch: 0, values: ["a": .nan, "b": -.infinity, "c": 1e300], wallTime: 5))
        try logger.finish()
        let read = try scalars(in: folder)
        #expect(read.scalars["a"]?.first?.value.isNaN == true)
        #expect(read.scalars["b"] == [Scalar(step: 1 << 40, value: -.infinity, wallTime: 5)])
        #expect(read.scalars["c"] == [Scalar(step: 1 << 40, value: .infinity, wallTime: 5)], "too large for a float")
    }

    @Test func aSecondLoggerInTheFolderGetsAnotherFile() throws {
        let folder = try makeTemporaryFolder()
        let first = try TensorBoardLogger(directory: folder)
        let second = try TensorBoardLogger(directory: folder)
        #expect(first.path != second.path)
        try first.finish()
        try second.finish()
        #expect(throws: LoggingError.self) { try first.record(records[0]) }
    }

    @Test func theCSVFileAndTheEventFileHoldTheSameScalars() throws {
        let folder = try makeTemporaryFolder()
        let csv = try CSVLogger(directory: folder)
        let events = try TensorBoardLogger(directory: folder)
        for record in records {
            try csv.record(record)
            try events.record(record)
        }
        try csv.finish()
        try events.finish()
        let compare = """
            import csv, json, sys
            import numpy as np
            from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
            ea = EventAccumulator(sys.argv[1]); ea.Reload()
            from_events = {tag: [(e.step, e.value) for e in ea.Scalars(tag)] for tag in ea.Tags()["scalars"]}
            from_csv = {}
            with open(sys.argv[2], newline="") as f:
                for row in csv.DictReader(f):
                    for tag, cell in row.items():
                        if tag not in ("epoch", "step") and cell != "":
                            from_csv.setdefault(tag, []).append((int(row["step"]), float(np.float32(float(cell)))))
            assert from_csv == from_events, (from_csv, from_events)
            print(sorted((tag, len(values)) for tag, values in from_csv.items()))
            """
        #expect(try runPython(compare, arguments: [folder, csv.path])
            == "[('lr', 12), ('train_loss', 12), ('val/accuracy', 3)]\n")
    }
}
