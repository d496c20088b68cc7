import DDPNN
import Foundation

/// Draws every logged scalar against the global step into `curves.svg`, a picture of the run
/// that opens in any browser, with no TensorBoard or Python needed.
///
/// Each metric gets a panel, two panels to a row, titled with its name. A `train_X` and a
/// `val_X` share a panel titled `X`, told apart by a legend, so that training and validation
/// curves are compared on the same axes. NaN and infinite values are left out (a panel says
/// how many); series longer than `pointLimit` are thinned to their low and high points.
///
/// Records are kept in memory (two numbers per value) and the picture is drawn by `finish()`;
/// `write()` draws it at any time before.
public final class CurvesPlot: MetricsLogger {
    /// The file name inside the log folder.
    public static let fileName = "curves.svg"
    /// The most points drawn for one series.
    public static let pointLimit = 2000

    /// The path of the SVG file.
    public let path: String

    private var series: [CurveSeries] = []
    private var seriesIndex: [String: Int] = [:]

    /// Creates `directory` when missing; the file appears when the plot is written.
    public init(directory: String) throws {
        try LogFolder.create(directory)
        path = LogFolder.path(Self.fileName, in: directory)
    }

    public func record(_ record: MetricsRecord) throws {
        for metric in record.values {
            let index: Int
            if let known = seriesIndex[metric.name] {
                index = known
            } else {
                index = series.count
                seriesIndex[metric.name] = index
                series.append(CurveSeries(name: metric.name, keptLimit: 8 * Self.pointLimit))
            }
            series[index].append(step: record.step, value: metric.value)
        }
    }

    public func finish() throws {
        try write()
    }

    /// Writes the picture of everything recorded so far, replacing the file atomically.
    public func write() throws {
        do {
            try AtomicFile.write(Data(svg().utf8), to: path)
        } catch {
            let reason = (error as? FileError)?.reason ?? "\(error)"
            throw LoggingError(path: path, reason: "\(reason); check that the log folder is writable")
        }
    }

    /// The SVG document of everything recorded so far.
    public func svg() -> String {
        CurvesDrawing(panels: panels(), pointLimit: Self.pointLimit).svg()
    }

    /// The panels in order of first appearance of their metrics: `train_X` and `val_X`
    /// together under the title `X`, any other metric alone under its name.
    private func panels() -> [CurvesDrawing.Panel] {
        var panels: [CurvesDrawing.Panel] = []
        var panelOfKey: [String: Int] = [:]
        for curve in series {
            let key = sharedSuffix(of: curve.name).map { "shared:" + $0 } ?? "alone:" + curve.name
            if let index = panelOfKey[key] {
                panels[index].series.append(curve)
            } else {
                panelOfKey[key] = panels.count
                panels.append(CurvesDrawing.Panel(title: sharedSuffix(of: curve.name) ?? curve.name, series: [curve]))
            }
        }
        return panels
    }

    /// `X` when `name` is `train_X` and `val_X` was logged too, or the other way round.
    private func sharedSuffix(of name: String) -> String? {
        for (prefix, partner) in [("train_", "val_"), ("val_", "train_")] where name.hasPrefix(prefix) {
            let suffix = String(name.dropFirst(prefix.count))
            if !suffix.isEmpty && seriesIndex[partner + suffix] != nil { return suffix }
        }
        return nil
    }
}
