import Foundation

/// The figures of one `swift-ddp bench` run with the machine they ran on, rendered as the
/// JSON object of `--json` or as a table for people.
public struct BenchmarkReport {
    public let machine: MachineDescription
    public let results: [BenchmarkResult]

    public init(machine: MachineDescription, results: [BenchmarkResult]) {
        self.machine = machine
        self.results = results
    }

    /// `{"machine": {...}, "results": [...]}` on one line.
    public var json: String {
        let object: [String: Any] = ["machine": machine.jsonObject, "results": results.map(\.jsonObject)]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The machine in two lines, then one row per figure and, under it, what it is and its details.
    public var table: String {
        let m = machine
        var lines = [
            "machine: \(m.hostname), \(m.cores) cores, \(m.ranks) rank(s), \(m.blas), \(m.blasThreads) BLAS thread(s)",
            "         \(m.mpiLibrary), Swift \(m.swiftVersion), \(m.date)",
            "",
        ]
        let header = ["name", "ours", "reference", "ratio", "spread", "rounds", "goal"]
        let rows = results.map { result -> [String] in
            [result.name, ours(result), theirs(result), Measurement.format(result.ratio) + "x",
             result.spread.map { "\(Measurement.format($0.min))-\(Measurement.format($0.max))x" } ?? "",
             String(result.rounds),
             result.goal.map { "\($0.description) \($0.isMet(by: result.ratio) ? "met" : "missed")" } ?? ""]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        lines.append(line(header))
        for (result, row) in zip(results, rows) {
            lines.append(line(row))
            lines.append("    \(result.summary); against \(result.reference)")
            if !result.details.isEmpty {
                lines.append("    " + result.details.map { detail in
                    detail.key.hasSuffix("_bytes") ? "\(detail.key.dropLast(6)) \(mebibytes(Int(detail.value)))"
                        : "\(detail.key) \(Measurement.format(detail.value, digits: 3))"
                }.joined(separator: ", "))
            }
        }
        return lines.joined(separator: "\n")
    }

    private func ours(_ result: BenchmarkResult) -> String {
        if let value = result.value { return mebibytes(value) }
        return [result.medianMilliseconds.map { "\(Measurement.format($0, digits: 3)) ms" },
                result.samplesPerSecond.map { "\(Measurement.format($0, digits: 0)) samples/s" }]
            .compactMap { $0 }.joined(separator: ", ")
    }

    private func theirs(_ result: BenchmarkResult) -> String {
        if let value = result.referenceValue { return mebibytes(value) }
        return [result.referenceMilliseconds.map { "\(Measurement.format($0, digits: 3)) ms" },
                result.referenceSamplesPerSecond.map { "\(Measurement.format($0, digits: 0)) samples/s" }]
            .compactMap { $0 }.joined(separator: ", ")
    }

    private func mebibytes(_ bytes: Int) -> String { "\(Measurement.format(Double(bytes) / 1_048_576, digits: 1)) MiB" }
}
