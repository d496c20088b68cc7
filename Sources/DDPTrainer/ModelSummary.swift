import DDPDistributed
import DDPNN
import Foundation

/// Prints a table of the module's layers at the start of `fit` (on rank 0's standard error),
/// as Lightning's `ModelSummary` callback (which `enable_model_summary` turns on by default;
/// `swift-ddp` adds it unless `--no-model-summary`; a `Trainer` prints it when given it):
///
///       | Name    | Type       | Params | Mode
///     -----------------------------------------
///     0 | encoder | Sequential | 101 K  | train
///     ...
///     101 K     Trainable params
///     0         Non-trainable params
///     101 K     Total params
///     0.407     Total estimated model params size (MB)
///     5         Modules in train mode
///     0         Modules in eval mode
///
/// Rows are the submodules down to `maxDepth` levels (-1: all), under their dotted names.
/// Lightning's FLOPs column and input/output sizes need an example input run through the
/// model; this table leaves them out. Sizes count 4 bytes per parameter (Float32).
public final class ModelSummary: Callback {
    /// One row of the table.
    public struct Row: Equatable, Sendable {
        public var name: String
        public var type: String
        /// Parameters of the layer and everything under it, each counted once.
        public var parameters: Int
        public var isTraining: Bool
    }

    /// Levels of submodules listed (-1: all; 0: no table).
    public let maxDepth: Int

    public init(maxDepth: Int = 1) {
        precondition(maxDepth >= -1, "ModelSummary maxDepth must be -1 (all levels) or more, got \(maxDepth)")
        self.maxDepth = maxDepth
    }

    public func onFitStart(_ trainer: Trainer, _ module: any TrainingModule) throws {
        guard maxDepth != 0, trainer.isGlobalZero else { return }
        writeToStandardError(Self.table(of: module, maxDepth: maxDepth) + "\n")
    }

    /// The rows for `module`'s submodules down to `maxDepth` levels, each before its children.
    public static func rows(of module: Module, maxDepth: Int = 1) -> [Row] {
        var rows: [Row] = []
        func visit(_ parent: Module, prefix: String, depth: Int) {
            guard maxDepth < 0 || depth <= maxDepth else { return }
            for (name, child) in parent.namedChildren {
                rows.append(Row(name: prefix + name, type: String(describing: type(of: child)),
                                  parameters: child.parameterCount, isTraining: child.isTraining))
                visit(child, prefix: prefix + name + ".", depth: depth + 1)
            }
        }
        visit(module, prefix: "", depth: 1)
        return rows
    }

    /// Lightning's summary table of `module`.
    public static func table(of module: Module, maxDepth: Int = 1) -> String {
        let rows = Self.rows(of: module, maxDepth: maxDepth)
        let columns: [(header: String, values: [String])] = [
            (" ", rows.indices.map(String.init)),
            ("Name", rows.map(\.name)),
            ("Type", rows.map(\.type)),
            ("Params", rows.map { humanReadableCount($0.parameters) }),
            ("Mode", rows.map { $0.isTraining ? "train" : "eval" }),
        ]
        let widths = columns.map { column in max(column.header.count, column.values.map(\.count).max() ?? 0) }
        let divider = String(repeating: "-", count: widths.reduce(0, +) + 3 * (columns.count + 1))
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: " | ")
        }
        var lines = [line(columns.map(\.header)), divider]
        for index in rows.indices { lines.append(line(columns.map { $0.values[index] })) }
        lines.append(divider)

        let parameters = module.parameters()
        let total = parameters.reduce(0) { $0 + $1.count }
        let trainable = parameters.filter(\.requiresGrad).reduce(0) { $0 + $1.count }
        let submodules = module.modules().dropFirst()
        let training = submodules.filter(\.isTraining).count
        func summaryLine(_ value: String, _ label: String) -> String {
            value.padding(toLength: max(10, value.count), withPad: " ", startingAt: 0) + label
        }
        lines.append(summaryLine(humanReadableCount(trainable), "Trainable params"))
        lines.append(summaryLine(humanReadableCount(total - trainable), "Non-trainable params"))
        lines.append(summaryLine(humanReadableCount(total), "Total params"))
        lines.append(summaryLine(formattedSize(megabytes: Double(total) * 4e-6), "Total estimated model params size (MB)"))
        lines.append(summaryLine(String(training), "Modules in train mode"))
        lines.append(summaryLine(String(submodules.count - training), "Modules in eval mode"))
        return lines.joined(separator: "\n")
    }

    /// A count in Lightning's short form: `87`, `1.1 K`, `101 K`, `12.3 M`, `1,234 T`.
    public static func humanReadableCount(_ number: Int) -> String {
        let labels = [" ", "K", "M", "B", "T"]
        let digits = number > 0 ? Int(floor(log10(Double(number)))) + 1 : 1
        let groups = min((digits + 2) / 3, labels.count)
        let scaled = Double(number) * pow(10, Double(-3 * (groups - 1)))
        let index = groups - 1
        if index < 1 || scaled >= 100 { return "\(grouped(Int(scaled))) \(labels[index])" }
        return String(format: "%.1f", scaled) + " " + labels[index]
    }

    /// Megabytes with three decimals and thousands separators, as Lightning's `{:,.3f}`.
    static func formattedSize(megabytes: Double) -> String {
        let text = String(format: "%.3f", megabytes)
        let parts = text.split(separator: ".", maxSplits: 1)
        return grouped(Int(parts[0]) ?? 0) + "." + parts[1]
    }

    /// `1234567` as `1,234,567`.
    private static func grouped(_ number: Int) -> String {
        let digits = Array(String(number))
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }
}
