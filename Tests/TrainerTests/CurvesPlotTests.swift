import DDPTestSupport
import Foundation
import SwiftDDP
import Testing

@Suite struct CurvesPlotTests {
    /// Parses the SVG with Python's XML parser and prints what a reader sees: panels, texts by
    /// class, polylines with their point counts, dots, and whether every coordinate is a
    /// finite number inside the picture.
    private static let inspect = """
        import json, sys
        import xml.etree.ElementTree as ET
        NS = "{http://www.w3.org/2000/svg}"
        root = ET.parse(sys.argv[1]).getroot()
        assert root.tag == NS + "svg" and root.get("version") == "1.1"
        width, height = float(root.get("width")), float(root.get("height"))
        panels = root.findall(NS + "g")
        def texts(cls):
            return [[t.text for t in p.iter(NS + "text") if t.get("class") == cls] for p in panels]
        coordinates = []
        for p in panels:
            dx, dy = map(float, p.get("transform")[len("translate("):-1].split(","))
            for line in p.iter(NS + "polyline"):
                coordinates += [(dx + float(x), dy + float(y)) for x, y in (pair.split(",") for pair in line.get("points").split())]
            for dot in p.iter(NS + "circle"):
                coordinates.append((dx + float(dot.get("cx")), dy + float(dot.get("cy"))))
        print(json.dumps({
            "panels": len(panels),
            "titles": [t[0] for t in texts("title")],
            "legends": texts("legend"),
            "ticks": texts("tick"),
            "notes": [t.text for t in root.iter(NS + "text") if t.get("class") == "note"],
            "polylinePoints": [[len(l.get("points").split()) for l in p.iter(NS + "polyline")] for p in panels],
            "dots": [len(list(p.iter(NS + "circle"))) for p in panels],
            "inside": all(0 <= x <= width and 0 <= y <= height for x, y in coordinates),
            "scripts": len(list(root.iter(NS + "script"))) + len(list(root.iter(NS + "image"))),
        }))
        """

    private struct Picture: Decodable {
        var panels: Int
        var titles: [String]
        var legends: [[String]]
        var ticks: [[String]]
        var notes: [String]
        var polylinePoints: [[Int]]
        var dots: [Int]
        var inside: Bool
        var scripts: Int
    }

    private func picture(of plot: CurvesPlot) throws -> Picture {
        try plot.finish()
        let output = try runPython(Self.inspect, arguments: [plot.path])
        return try JSONDecoder().decode(Picture.self, from: Data(output.utf8))
    }

    @Test func everyMetricHasAPanelAndTrainAndValidationShareOne() throws {
        let plot = try CurvesPlot(directory: try makeTemporaryFolder())
        for step in 0..<50 {
            var values: [MetricValue] = [
                MetricValue(name: "train_loss", value: 2 / Double(step + 1)),
                MetricValue(name: "lr", value: 0.1),
                MetricValue(name: "grad_norm", value: step % 7 == 3 ? .nan : Double(step % 5)),
            ]
            if step % 10 == 9 { values.append(MetricValue(name: "val_loss", value: 3 / Double(step + 1))) }
            if step == 49 { values.append(MetricValue(name: "test_acc", value: 0.9)) }
            if step % 10 == 9 { values.append(MetricValue(name: "val_<acc> & \"top-1\"", value: 0.5)) }
            try plot.record(MetricsRecord(step: step, epoch: step / 10, values: values))
        }
        let picture = try picture(of: plot)
        #expect(picture.panels == 5)
        #expect(picture.titles == ["loss", "lr", "grad_norm", "val_<acc> & \"top-1\"", "test_acc"])
        #expect(picture.legends[0] == ["train_loss", "val_loss"])
        #expect(picture.legends[1] == [])
        #expect(picture.legends[2] == ["grad_norm (7 non-finite left out)"])
        #expect(picture.polylinePoints[0] == [50, 5])
        #expect(picture.polylinePoints[2] == [43])
        #expect(picture.polylinePoints[4] == [], "one point draws no line")
        #expect(picture.dots[4] == 1, "but a dot")
        #expect(picture.dots[0] == 55)
        #expect(picture.inside)
        #expect(picture.scripts == 0)
    }

    @Test func ticksAreRoundNumbers() throws {
        let plot = try CurvesPlot(directory: try makeTemporaryFolder())
        for step in stride(from: 0, through: 1000, by: 10) {
            try plot.record(MetricsRecord(step: step, epoch: 0, values: ["acc": 0.1 + 0.8 * Double(step) / 1000]))
        }
        let ticks = try picture(of: plot).ticks[0]
        #expect(ticks == ["0", "200", "400", "600", "800", "1000", "0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    }

    @Test func aConstantSeriesAndASinglePointGetRoomAroundThem() throws {
        let plot = try CurvesPlot(directory: try makeTemporaryFolder())
        for step in 0..<3 {
            try plot.record(MetricsRecord(step: step, epoch: 0, values: ["zero": 0, "lr": 0.1]))
        }
        try plot.record(MetricsRecord(step: 7, epoch: 0, values: ["once": 250]))
        let picture = try picture(of: plot)
        #expect(picture.ticks[0] == ["0", "1", "2", "-1.0", "-0.5", "0", "0.5", "1.0"])
        #expect(picture.ticks[1] == ["0", "1", "2", "0.090", "0.095", "0.100", "0.105", "0.110"])
        #expect(picture.ticks[2] == ["6", "7", "8", "220", "230", "240", "250", "260", "270", "280"])
        #expect(picture.polylinePoints == [[3], [3], []])
        #expect(picture.dots == [3, 3, 1])
        #expect(picture.inside)
    }

    @Test func longSeriesAreThinnedButKeepTheirSpikes() throws {
        let plot = try CurvesPlot(directory: try makeTemporaryFolder())
        for step in 0..<200_000 {
            let spike = step == 123_457 ? 100.0 : 0.0
            try plot.record(MetricsRecord(step: step, epoch: 0, values: ["loss": sin(Double(step) / 5000) + spike]))
        }
        let svg = plot.svg()
        let picture = try picture(of: plot)
        let points = try #require(picture.polylinePoints.first?.first)
        #expect(points <= CurvesPlot.pointLimit && points > CurvesPlot.pointLimit / 2)
        #expect(picture.ticks[0].contains("200k"))
        #expect(picture.ticks[0].last == "100", "the spike sets the top of the value axis")
        #expect(svg.utf8.count < 200_000)
    }

    @Test func onlyNonFiniteValuesOrNoRecordsStillMakeAValidPicture() throws {
        let empty = try CurvesPlot(directory: try makeTemporaryFolder())
        let nothing = try picture(of: empty)
        #expect(nothing.panels == 0)
        #expect(nothing.notes == ["No metrics were logged."])

        let plot = try CurvesPlot(directory: try makeTemporaryFolder())
        try plot.record(MetricsRecord(step: 0, epoch: 0, values: ["loss": .nan]))
        try plot.record(MetricsRecord(step: 1, epoch: 0, values: ["loss": .infinity]))
        let picture = try picture(of: plot)
        #expect(picture.titles == ["loss"])
        #expect(picture.notes == ["no finite values"])
        #expect(picture.legends == [["loss (2 non-finite left out)"]])
    }
}
