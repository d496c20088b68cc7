import DDPTestSupport
import Foundation

/// Runs the built `swift-ddp` and reads what it wrote.
enum CLIRun {
    static let binary = MPIJob.binary("swift-ddp")

    /// Runs `swift-ddp arguments` on `ranks` ranks (`nil`: one process, as given).
    static func run(_ arguments: [String], ranks: Int? = nil, timeout: Double = MPIJob.defaultTimeout) throws -> JobResult {
        try MPIJob.run(binary, arguments, ranks: ranks, timeout: timeout)
    }

    /// The values of `column` in `logDir/metrics.csv`, by step, on the rows that have one.
    static func metric(_ column: String, in logDir: String) throws -> [(step: Int, value: Double)] {
        let text = try String(contentsOfFile: logDir + "/metrics.csv", encoding: .utf8)
        let rows = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = rows.first, let index = header.firstIndex(of: column),
              let stepIndex = header.firstIndex(of: "step") else { return [] }
        return rows.dropFirst().compactMap { row in
            guard index < row.count, let value = Double(row[index]), let step = Int(row[stepIndex]) else { return nil }
            return (step, value)
        }
    }

    /// The lines of standard error that the program wrote (not the launcher).
    static func errorLines(_ result: JobResult) -> [String] {
        result.standardError.split(separator: "\n").map(String.init).filter { $0.hasPrefix("swift-ddp:") }
    }
}
