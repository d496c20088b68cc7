import DDPTestSupport
import Foundation
import SwiftDDP
import Testing

@Suite struct CSVLoggerTests {
    private func contents(_ logger: CSVLogger) throws -> String {
        try String(contentsOfFile: logger.path, encoding: .utf8)
    }

    @Test func rowsFollowTheHeaderAndMissingCellsAreEmpty() throws {
        let folder = try makeTemporaryFolder()
        let logger = try CSVLogger(directory: folder)
        try logger.record(MetricsRecord(step: 0, epoch: 0, values: ["train_loss": 0.5, "lr": 0.1]))
        try logger.record(MetricsRecord(step: 1, epoch: 0, values: ["train_loss": 0.25]))
        #expect(logger.path == folder + "/metrics.csv")
        #expect(try contents(logger) == """
            epoch,step,train_loss,lr
            0,0,0.5,0.1
            0,1,0.25,

            """)
    }

    @Test func aResumedRunKeepsTheRowsBeforeItsStepAndContinuesThem() throws {
        let folder = try makeTemporaryFolder()
        let first = try CSVLogger(directory: folder)
        for step in 0..<4 { try first.record(MetricsRecord(step: step, epoch: 0, values: ["train_loss": Double(step)])) }
        try first.record(MetricsRecord(step: 3, epoch: 0, values: ["a,b": 1]))
        try first.finish()
        // The interrupted run got to step 3; its checkpoint was taken after step 1.
        let resumed = try CSVLogger(directory: folder, continuingBefore: 2)
        try resumed.record(MetricsRecord(step: 2, epoch: 0, values: ["train_loss": 9]))
        try resumed.record(MetricsRecord(step: 3, epoch: 0, values: ["val_loss": 7]))
        #expect(try contents(resumed) == """
            epoch,step,train_loss,"a,b",val_loss
            0,0,0.0,,
            0,1,1.0,,
            0,2,9.0,,
            0,3,,,7.0

            """)
        // Without a step (a fresh run), the file starts over.
        let fresh = try CSVLogger(directory: folder, continuingBefore: nil)
        try fresh.record(MetricsRecord(step: 0, epoch: 0, values: ["x": 1]))
        #expect(try contents(fresh) == "epoch,step,x\n0,0,1.0\n")
    }

    @Test func aLateMetricRewritesTheFileWithTheLongerHeader() throws {
        let logger = try CSVLogger(directory: try makeTemporaryFolder())
        try logger.record(MetricsRecord(step: 0, epoch: 0, values: ["train_loss": 0.5, "lr": 0.1]))
        try logger.record(MetricsRecord(step: 1, epoch: 0, values: ["train_loss": 0.25]))
        try logger.record(MetricsRecord(step: 2, epoch: 0, values: ["val_loss": 0.75, "val_acc": 0.5]))
        #expect(try contents(logger) == """
            epoch,step,train_loss,lr,val_loss,val_acc
            0,0,0.5,0.1,,
            0,1,0.25,,,
            0,2,,,0.75,0.5

            """)
        try logger.record(MetricsRecord(step: 3, epoch: 1, values: ["lr": 1e-05, "train_loss": .nan]))
        try logger.record(MetricsRecord(step: 4, epoch: 1, values: ["train_loss": 0.1, "grad_norm": .infinity]))
        try logger.finish()
        #expect(logger.metricNames == ["train_loss", "lr", "val_loss", "val_acc", "grad_norm"])
        #expect(try contents(logger) == """
            epoch,step,train_loss,lr,val_loss,val_acc,grad_norm
            0,0,0.5,0.1,,,
            0,1,0.25,,,,
            0,2,,,0.75,0.5,
            1,3,nan,1e-05,,,
            1,4,0.1,,,,inf

            """)
        let folder = (logger.path as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["metrics.csv"])
    }

    @Test func numbersReadBackExactlyInPython() throws {
        let logger = try CSVLogger(directory: try makeTemporaryFolder())
        let values = [0.1, 1.0 / 3.0, 1e-300, 123456789.123, -2.5e17, Double.leastNonzeroMagnitude]
        for (step, value) in values.enumerated() {
            try logger.record(MetricsRecord(step: step, epoch: 0, values: ["x": value]))
        }
        try logger.finish()
        let output = try runPython("""
            import csv, sys
            with open(sys.argv[1], newline="") as f:
                print(" ".join(float(row["x"]).hex() for row in csv.DictReader(f)))
            """, arguments: [logger.path])
        let expected = try runPython(
            "import sys; print(' '.join(float(v).hex() for v in sys.argv[1:]))",
            arguments: values.map { String(format: "%.17g", $0) })
        #expect(output == expected)
    }

    @Test func namesWithCommasOrQuotesAreQuoted() throws {
        let logger = try CSVLogger(directory: try makeTemporaryFolder())
        try logger.record(MetricsRecord(step: 7, epoch: 2, values: ["loss, smoothed": 1.5, "say \"hi\"": 2]))
        try logger.finish()
        #expect(try contents(logger) == "epoch,step,\"loss, smoothed\",\"say \"\"hi\"\"\"\n2,7,1.5,2.0\n")
    }

    @Test func theLaterOfTwoValuesWithOneNameIsWritten() throws {
        let logger = try CSVLogger(directory: try makeTemporaryFolder())
        try logger.record(MetricsRecord(step: 0, epoch: 0, values: ["a": 1, "a": 2]))
        #expect(try contents(logger) == "epoch,step,a\n0,0,2.0\n")
    }

    @Test func aMetricNamedLikeAFixedColumnIsRefused() throws {
        let logger = try CSVLogger(directory: try makeTemporaryFolder())
        #expect {
            try logger.record(MetricsRecord(step: 0, epoch: 0, values: ["loss": 1, "step": 2]))
        } throws: { error in
            "\(error)".contains(logger.path) && "\(error)".contains("'step'")
        }
        try logger.record(MetricsRecord(step: 0, epoch: 0, values: ["loss": 1]))
        #expect(try contents(logger) == "epoch,step,loss\n0,0,1.0\n")
    }

    @Test func theFolderIsCreatedAndAFinishedLoggerRefusesRecords() throws {
        let folder = try makeTemporaryFolder() + "/runs/version_0"
        let logger = try CSVLogger(directory: folder)
        try logger.record(MetricsRecord(step: 0, epoch: 0, values: ["loss": 1]))
        try logger.finish()
        try logger.finish()
        #expect(FileManager.default.fileExists(atPath: folder + "/metrics.csv"))
        #expect(throws: LoggingError.self) {
            try logger.record(MetricsRecord(step: 1, epoch: 0, values: ["loss": 1]))
        }
    }

    @Test func aFileInPlaceOfTheFolderIsReportedByPath() throws {
        let file = try makeTemporaryFolder() + "/taken"
        #expect(FileManager.default.createFile(atPath: file, contents: Data()))
        #expect(throws: LoggingError(path: file, reason: "is a file, not a folder; choose another log folder")) {
            try CSVLogger(directory: file)
        }
    }
}
