import Foundation

/// The SVG 1.1 text of a grid of line charts: plain shapes and text, with no scripts, style
/// sheets or external resources, so that any browser or image viewer shows it.
struct CurvesDrawing {
    struct Panel {
        var title: String
        var series: [CurveSeries]
    }

    let panels: [Panel]
    let pointLimit: Int

    static let columns = 2
    static let panelWidth = 480.0, panelHeight = 320.0
    /// Room around a panel's plot area for the title, tick labels and the axis name.
    static let marginLeft = 70.0, marginRight = 20.0, marginTop = 36.0, marginBottom = 46.0
    /// Line colours, in order, for the series of a panel.
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
    /// Series with at most this many points also get a dot per point, so that a value logged
    /// once an epoch (or only once) is visible.
    static let dotLimit = 60

    func svg() -> String {
        let columns = min(max(panels.count, 1), Self.columns)
        let rows = max((panels.count + columns - 1) / columns, 1)
        let width = Double(columns) * Self.panelWidth, height = Double(rows) * Self.panelHeight
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\(n(width))" height="\(n(height))" \
            viewBox="0 0 \(n(width)) \(n(height))" font-family="Helvetica, Arial, sans-serif" font-size="11">
            <title>Training curves</title>
            <rect x="0" y="0" width="\(n(width))" height="\(n(height))" fill="white"/>

            """
        if panels.isEmpty {
            out += text("No metrics were logged.", x: width / 2, y: height / 2, anchor: "middle", class: "note")
        }
        for (index, panel) in panels.enumerated() {
            let x = Double(index % columns) * Self.panelWidth, y = Double(index / columns) * Self.panelHeight
            out += "<g class=\"panel\" transform=\"translate(\(n(x)),\(n(y)))\">\n"
            out += draw(panel)
            out += "</g>\n"
        }
        return out + "</svg>\n"
    }

    // MARK: - One panel

    private func draw(_ panel: Panel) -> String {
        let left = Self.marginLeft, top = Self.marginTop
        let right = Self.panelWidth - Self.marginRight, bottom = Self.panelHeight - Self.marginBottom
        var out = text(panel.title, x: (left + right) / 2, y: 22, anchor: "middle", class: "title", extra: " font-size=\"14\" font-weight=\"bold\"")

        let curves = panel.series.map { $0.downsampled(limit: pointLimit) }
        let steps = curves.flatMap { $0.map(\.step) }, values = curves.flatMap { $0.map(\.value) }
        out += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(right - left))\" height=\"\(n(bottom - top))\" fill=\"none\" stroke=\"#444\"/>\n"

        if let minStep = steps.min(), let maxStep = steps.max(), let minValue = values.min(), let maxValue = values.max() {
            let xAxis = AxisScale(minimum: minStep, maximum: maxStep, integral: true)
            let yAxis = AxisScale(minimum: minValue, maximum: maxValue)
            func px(_ step: Double) -> Double { left + (step - xAxis.lower) / (xAxis.upper - xAxis.lower) * (right - left) }
            func py(_ value: Double) -> Double { bottom - (value - yAxis.lower) / (yAxis.upper - yAxis.lower) * (bottom - top) }

            for (tick, label) in zip(xAxis.ticks, xAxis.labels) {
                let x = px(tick)
                out += line(x, top, x, bottom, stroke: "#e4e4e4")
                out += line(x, bottom, x, bottom + 5, stroke: "#444")
                out += text(label, x: x, y: bottom + 18, anchor: "middle", class: "tick")
            }
            for (tick, label) in zip(yAxis.ticks, yAxis.labels) {
                let y = py(tick)
                out += line(left, y, right, y, stroke: "#e4e4e4")
                out += line(left - 5, y, left, y, stroke: "#444")
                out += text(label, x: left - 8, y: y + 4, anchor: "end", class: "tick")
            }
            for (index, points) in curves.enumerated() {
                let colour = Self.palette[index % Self.palette.count]
                let coordinates = points.map { "\(n(px($0.step))),\(n(py($0.value)))" }
                if points.count > 1 {
                    out += "<polyline class=\"series\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\" "
                        + "stroke-linejoin=\"round\" points=\"\(coordinates.joined(separator: " "))\"/>\n"
                }
                if points.count <= Self.dotLimit {
                    for point in points {
                        out += "<circle cx=\"\(n(px(point.step)))\" cy=\"\(n(py(point.value)))\" r=\"2.5\" fill=\"\(colour)\"/>\n"
                    }
                }
            }
        } else {
            out += text("no finite values", x: (left + right) / 2, y: (top + bottom) / 2, anchor: "middle", class: "note")
        }
        out += text("step", x: (left + right) / 2, y: Self.panelHeight - 10, anchor: "middle", class: "axis-name")
        out += legend(panel.series, right: right, top: top)
        return out
    }

    /// Names and colours of the series, top right inside the plot area, when there is more than
    /// one or values were left out; a panel of one complete series has its name as title.
    private func legend(_ series: [CurveSeries], right: Double, top: Double) -> String {
        guard series.count > 1 || series.contains(where: { $0.nonFiniteCount > 0 }) else { return "" }
        let entries = series.map { curve in
            curve.nonFiniteCount > 0 ? "\(curve.name) (\(curve.nonFiniteCount) non-finite left out)" : curve.name
        }
        let longest = entries.map(\.count).max() ?? 0
        let boxWidth = min(Double(longest) * 6.2 + 34, right - Self.marginLeft - 8)
        let boxLeft = right - 6 - boxWidth
        var out = "<rect x=\"\(n(boxLeft))\" y=\"\(n(top + 6))\" width=\"\(n(boxWidth))\" height=\"\(n(Double(entries.count) * 16 + 6))\" "
            + "fill=\"white\" fill-opacity=\"0.85\" stroke=\"#bbb\"/>\n"
        for (index, entry) in entries.enumerated() {
            let y = top + 20 + Double(index) * 16
            out += line(boxLeft + 6, y - 4, boxLeft + 24, y - 4, stroke: Self.palette[index % Self.palette.count], width: 2)
            out += text(entry, x: boxLeft + 28, y: y, anchor: "start", class: "legend")
        }
        return out
    }

    // MARK: - SVG pieces

    private func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1) -> String {
        "<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(n(width))\"/>\n"
    }

    private func text(_ content: String, x: Double, y: Double, anchor: String, class name: String, extra: String = "") -> String {
        "<text class=\"\(name)\" x=\"\(n(x))\" y=\"\(n(y))\" text-anchor=\"\(anchor)\"\(extra)>\(Self.escaped(content))</text>\n"
    }

    /// A coordinate with at most one decimal, which is finer than a pixel.
    private func n(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    /// `text` with the characters XML reserves replaced by entities, and control characters
    /// (which XML 1.0 forbids) by spaces.
    static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case _ where scalar.value < 0x20: out += " "
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
