import DDPTasks
import Foundation
import Yams

/// Reads and writes ``RunConfiguration`` as YAML (`--config run.yaml`, `--print-config`).
enum ConfigurationFile {
    /// The configuration in the YAML file at `path`.
    ///
    /// - Throws: ``CommandError`` naming the file, and the line and column for a syntax
    ///   error, an unknown key or a value of the wrong type.
    static func read(_ path: String) throws -> RunConfiguration {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandError("\(path): no such configuration file")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw CommandError("\(path): cannot be read as UTF-8 text")
        }
        return try parse(text, source: path)
    }

    /// The configuration in YAML `text`; `source` names it in errors.
    static func parse(_ text: String, source: String) throws -> RunConfiguration {
        let node: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else { return RunConfiguration() }
            node = composed
        } catch let error as YamlError {
            throw CommandError(describe(error, source: source))
        }
        guard let mapping = node.mapping else {
            throw CommandError("\(source):\(position(node.mark)): expected keys and values such as 'max-epochs: 20', found \(kind(of: node))")
        }
        let known = Set(RunConfiguration.CodingKeys.allCases.map(\.rawValue))
        for (key, _) in mapping {
            guard let name = key.string, known.contains(name) else {
                throw CommandError("\(source):\(position(key.mark)): unknown key '\(key.string ?? "\(key)")'; keys are the option names without dashes, as --print-config writes them")
            }
        }
        do {
            return try YAMLDecoder().decode(RunConfiguration.self, from: node)
        } catch let error as DecodingError {
            throw CommandError(describe(error, mapping: mapping, source: source))
        }
    }

    /// `configuration` as YAML, one key per line, in the order of the options.
    static func yaml(_ configuration: RunConfiguration) throws -> String {
        try PortableYAMLFloats.rewrite(YAMLEncoder().encode(configuration))
    }

    private static func position(_ mark: Mark?) -> String {
        mark.map { "\($0.line):\($0.column)" } ?? "1:1"
    }

    private static func kind(of node: Node) -> String {
        switch node {
        case .scalar(let scalar): return "'\(scalar.string)'"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }

    /// One line for a YAML syntax error, with its line and column.
    private static func describe(_ error: YamlError, source: String) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return "\(source):\(mark.line):\(mark.column): invalid YAML: \(problem)"
        case .duplicatedKeysInMapping(let duplicates, let context):
            return "\(source):\(context.mark.line):\(context.mark.column): the key '\(duplicates.joined(separator: "', '"))' is given twice"
        default:
            let text = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
            return "\(source): invalid YAML: \(text)"
        }
    }

    /// One line for a value of the wrong type, at the value's line and column.
    private static func describe(_ error: DecodingError, mapping: Node.Mapping, source: String) -> String {
        let path: [CodingKey]
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            path = context.codingPath
        case .keyNotFound(_, let context):
            path = context.codingPath
        @unknown default:
            path = []
        }
        guard let key = path.first?.stringValue else { return "\(source): \(error.localizedDescription)" }
        let valueNode = mapping.first { $0.key.string == key }?.value
        return "\(source):\(position(valueNode?.mark)): '\(key)' takes \(expectedType(of: key)), got \(valueNode.map(kind(of:)) ?? "nothing")"
    }

    /// What a key's value must be, for messages.
    private static func expectedType(of key: String) -> String {
        switch key {
        case "hidden", "milestones": return "a list of whole numbers like [256, 256]"
        case "betas": return "a list of two numbers like [0.9, 0.999]"
        case "debug", "nesterov", "amsgrad", "shuffle": return "true or false"
        case "max-epochs", "max-steps", "batch-size", "accumulate-grad-batches", "log-every-n-steps", "checkpoint-every-n-steps",
             "check-consistency", "classes", "max-iter", "history-size", "step-size", "t-max", "t0", "t-mult", "total-steps",
             "step-size-up", "total-iters", "patience", "generator-frequency", "discriminator-frequency", "decay-steps":
            return "a whole number"
        case "seed": return "a whole number >= 0"
        case "task", "model", "optimizer", "scheduler", "scheduler-interval", "gradient-clip-algorithm", "log-dir",
             "checkpoint-dir", "resume", "init-from", "data", "label-column", "line-search", "monitor", "mode",
             "optimization", "gan-data", "optimizers", "transform":
            return "a word or path"
        default: return "a number"
        }
    }
}
