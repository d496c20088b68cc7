import Foundation
import SwiftDDP
import Testing

@Suite struct ProgressReporterTests {
    /// A clock the test moves by hand.
    private final class ManualClock {
        var now = 1000.0
    }

    /// Everything a reporter wrote, in order.
    private final class Output {
        var pieces: [String] = []
        var text: String { pieces.joined() }
    }

    private func reporter(terminal: Bool, totalEpochs: Int? = 10, width: Int? = nil) -> (ProgressReporter, ManualClock, Output) {
        let clock = ManualClock(), output = Output()
        let reporter = ProgressReporter(
            write: { output.pieces.append($0) }, isTerminal: terminal, totalEpochs: totalEpochs, width: width,
            clock: { clock.now })
        return (reporter, clock, output)
    }

    // MARK: - Rendering

    @Test func theTerminalLineShowsBarCountsTimesRateAndMetrics() {
        let snapshot = ProgressSnapshot(
            epoch: 1, totalEpochs: 10, batch: 45, batches: 100, elapsed: 12.5,
            metrics: [MetricValue(name: "train_loss", value: 0.123456), MetricValue(name: "lr", value: 1e-5)])
        #expect(snapshot.terminalLine() == "Epoch 2/10 [=========>          ] 45/100 00:12<00:15 3.60it/s train_loss=0.1235 lr=1e-05")
        #expect(snapshot.plainLine() == "Epoch 2/10: 45/100 batches (45%), 00:12 elapsed, 00:15 left, 3.60it/s, train_loss=0.1235, lr=1e-05")
        #expect(snapshot.summaryLine() == "Epoch 2/10 done: 45 batches in 00:12, 3.60it/s, train_loss=0.1235, lr=1e-05")
    }

    @Test func theStartAndTheEndOfAnEpochAndSlowBatches() {
        let start = ProgressSnapshot(epoch: 0, totalEpochs: nil, batch: 0, batches: 8, elapsed: 0)
        #expect(start.terminalLine(barWidth: 10) == "Epoch 1 [>         ] 0/8 00:00<--:--")
        let slow = ProgressSnapshot(epoch: 0, totalEpochs: 3, batch: 8, batches: 8, elapsed: 3724, metrics: [MetricValue(name: "loss", value: .nan)])
        #expect(slow.terminalLine(barWidth: 10) == "Epoch 1/3 [==========] 8/8 1:02:04<00:00 465.50s/it loss=nan")
        let unknownLength = ProgressSnapshot(epoch: 4, totalEpochs: 5, batch: 30, batches: 0, elapsed: 61)
        #expect(unknownLength.terminalLine() == "Epoch 5/5 30 01:01 2.03s/it")
        #expect(unknownLength.plainLine() == "Epoch 5/5: 30 batches, 01:01 elapsed, 2.03s/it")
    }

    // MARK: - Terminal

    @Test func aTerminalLineIsRedrawnAtMostTenTimesASecondThenKept() {
        let (reporter, clock, output) = reporter(terminal: true)
        reporter.startEpoch(0, batches: 100)
        for batch in 1...100 {
            clock.now += 0.01
            reporter.update(batch: batch, metrics: [("train_loss", 1 / Double(batch))])
        }
        clock.now += 0.5
        reporter.endEpoch(metrics: [("val_loss", 0.5), ("train_loss", 0.25)])

        let draws = output.pieces.filter { $0.hasPrefix("\r") }
        #expect(draws.count >= 8 && draws.count <= 14, "\(draws.count) redraws of 100 updates in 1.5 s")
        #expect(output.pieces.last == "\n")
        #expect(!output.text.dropLast().contains("\n"))
        let last = draws.last!.dropFirst().trimmingCharacters(in: .whitespaces)
        #expect(last == "Epoch 1/10 [====================] 100/100 00:01<00:00 66.67it/s train_loss=0.25 val_loss=0.5")
    }

    @Test func aShorterLineBlanksWhatTheLongerLeftAndLongLinesAreCut() {
        let (reporter, clock, output) = reporter(terminal: true, width: 80)
        reporter.startEpoch(0, batches: 4)
        clock.now += 1
        reporter.update(batch: 1, metrics: [("a_rather_long_metric_name", 1), ("another_one", 2)])
        #expect(output.pieces.last!.count == 80)
        #expect(output.pieces.last! == "\r" + String(ProgressSnapshot(
            epoch: 0, totalEpochs: 10, batch: 1, batches: 4, elapsed: 1,
            metrics: [MetricValue(name: "a_rather_long_metric_name", value: 1), MetricValue(name: "another_one", value: 2)]
        ).terminalLine().prefix(79)))
        clock.now += 1
        reporter.update(batch: 2, metrics: [("x", 1)])
        let redraw = output.pieces.last!
        #expect(redraw.count == 80, "padded with spaces to the length of the line it replaces")
        #expect(redraw.hasPrefix("\rEpoch 1/10 [==========>         ] 2/4 00:02<00:02 1.00it/s x=1  "))
    }

    // MARK: - Log file

    @Test func aLogFileGetsALineEachTenthOfAnEpochAndASummary() {
        let (reporter, clock, output) = reporter(terminal: false, totalEpochs: 2)
        reporter.startEpoch(1, batches: 1000)
        for batch in 1...1000 {
            clock.now += 0.125
            reporter.update(batch: batch, metrics: [("loss", 0.5)])
        }
        reporter.endEpoch(metrics: [])
        let lines = output.text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 11)
        #expect(lines[0] == "Epoch 2/2: 100/1000 batches (10%), 00:12 elapsed, 01:52 left, 8.00it/s, loss=0.5")
        #expect(lines[8].hasPrefix("Epoch 2/2: 900/1000 batches (90%)"))
        #expect(lines[9] == "Epoch 2/2 done: 1000 batches in 02:05, 8.00it/s, loss=0.5")
        #expect(lines[10] == "")
        #expect(!output.text.contains("\r"))
    }

    @Test func aFastEpochInALogFileGetsOnlyItsSummary() {
        let (reporter, clock, output) = reporter(terminal: false)
        reporter.startEpoch(0, batches: 100)
        for batch in 1...100 {
            clock.now += 1.0 / 1024
            reporter.update(batch: batch, metrics: [])
        }
        reporter.endEpoch(metrics: [("val_acc", 0.875)])
        #expect(output.text == "Epoch 1/10 done: 100 batches in 00:00, 1024.00it/s, val_acc=0.875\n")
    }

    @Test func aLongEpochOfUnknownLengthGetsALineEveryHalfMinute() {
        let (reporter, clock, output) = reporter(terminal: false, totalEpochs: nil)
        reporter.startEpoch(0, batches: 0)
        for batch in 1...40 {
            clock.now += 5
            reporter.update(batch: batch, metrics: [])
        }
        let lines = output.text.split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines.first == "Epoch 1: 6 batches, 00:30 elapsed, 5.00s/it")
        #expect(lines.last == "Epoch 1: 36 batches, 03:00 elapsed, 5.00s/it")
    }

    @Test func aPipeIsNotATerminal() throws {
        let pipe = Pipe()
        let reporter = ProgressReporter(output: pipe.fileHandleForWriting, totalEpochs: 1)
        reporter.startEpoch(0, batches: 3)
        reporter.update(batch: 1, metrics: [("loss", 2)])
        reporter.endEpoch(metrics: [])
        try pipe.fileHandleForWriting.close()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        // The real clock: the time and rate depend on the machine, only the form is checked.
        #expect(text.wholeMatch(of: #/Epoch 1/1 done: 1 batch in \d\d:\d\d(, [0-9.]+(it/s|s/it))?, loss=2\n/#) != nil, "\(text)")
    }
}
