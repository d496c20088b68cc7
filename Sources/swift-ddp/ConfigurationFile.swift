import DDPTasks
import Foundation
import Yams

/// Reads and writes configurations as YAML (`--config run.yaml`, `--print-config`).
///
/// A file holds options as keys (`max-epochs: 20`): it is read as the arguments it stands
/// for (`--max-epochs=20`), checked against each option's declared type so that a mistake
/// names the file, line and column, and then parsed with the command line.
enum ConfigurationFile {
    /// The commands whose options a configuration file gives.
    static let commandsTakingAConfigFile = ["fit", "validate"]

    /// The arguments a command runs with, and where in the `--config` file each option that
    /// came from it was written.
    struct Expansion {
        var arguments: [String]
        /// `file:line:column` by option name, for the options the file gave and the command line did not.
        var origins: [String: String] = [:]

        /// `message` led by the file position of the option it names first (`--max-epochs
        /// must be ...`), when that option's value came from the configuration file.
        func locating(_ message: String) -> String {
            guard let range = message.range(of: #"--[a-z0-9]+(-[a-z0-9]+)*"#, options: .regularExpression) else { return message }
            let name = String(message[range].dropFirst(2))
            guard let origin = origins[name] else { return message }
            return "\(origin): \(message)"
        }
    }

    /// `arguments` (without the program name) with the options of the `--config` file among
    /// them put before the command's own, so that the command line overrides the file.
    static func expandingConfigFile(in arguments: [String]) throws -> Expansion {
        // Where the command's options start: after its name, or first for `fit`, the default command.
        let start: Int
        if let first = arguments.first, commandsTakingAConfigFile.contains(first) {
            start = 1
        } else if let first = arguments.first, !first.hasPrefix("-") {
            return Expansion(arguments: arguments)  // another command (bench, inspect, export, help)
        } else {
            start = 0
        }
        guard let path = configPath(in: arguments[start...]) else { return Expansion(arguments: arguments) }
        let file = try read(path)
        var expanded = Expansion(arguments: arguments)
        expanded.arguments.insert(contentsOf: file.map(\.argument), at: start)
        let givenOnTheCommandLine = Set(arguments[start...].compactMap(optionName))
        for option in file where !givenOnTheCommandLine.contains(option.name) {
            expanded.origins[option.name] = option.origin
        }
        return expanded
    }

    /// The option an argument gives (`--max-epochs=3`, `--no-amsgrad`, `--lr`), without dashes.
    private static func optionName(_ argument: String) -> String? {
        guard argument.hasPrefix("--") else { return nil }
        let name = argument.dropFirst(2).prefix { $0 != "=" }
        return name.hasPrefix("no-") ? String(name.dropFirst(3)) : String(name)
    }

    /// The value of the last `--config` before a `--` in `arguments`.
    private static func configPath(in arguments: ArraySlice<String>) -> String? {
        var path: String?
        var index = arguments.startIndex
        while index < arguments.endIndex, arguments[index] != "--" {
            let argument = arguments[index]
            if argument == "--config", index + 1 < arguments.endIndex {
                path = arguments[index + 1]
                index += 1
            } else if argument.hasPrefix("--config=") {
                path = String(argument.dropFirst("--config=".count))
            }
            index += 1
        }
        return path
    }

    /// The options in the YAML file at `path`, as arguments.
    ///
    /// - Throws: ``CommandError`` naming the file, and the line and column for a syntax
    ///   error, an unknown key or a value of the wrong type.
    static func read(_ path: String) throws -> [FileOption] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandError("\(path): no such configuration file")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw CommandError("\(path): cannot be read as UTF-8 text")
        }
        return try parse(text, source: path)
    }

    /// One option a configuration file gives: its name, the argument it stands for, and
    /// where it was written (`file:line:column`).
    struct FileOption {
        var name: String
        var argument: String
        var origin: String
    }

    /// The options in YAML `text`; `source` names it in errors.
    static func parse(_ text: String, source: String) throws -> [FileOption] {
        let node: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else { return [] }
            node = composed
        } catch let error as YamlError {
            throw CommandError(describe(error, source: source))
        }
        guard let mapping = node.mapping else {
            throw CommandError("\(source):\(position(node.mark)): expected keys and values such as 'max-epochs: 20', found \(kind(of: node))")
        }
        let options = try RunConfiguration.parse([]).entries
        var declared: [(name: String, option: OptionEntry, value: Node)] = []
        for (key, value) in mapping {
            guard let name = key.string, let option = options.first(where: { $0.key == name }) else {
                throw CommandError("\(source):\(position(key.mark)): unknown key '\(key.string ?? "\(key)")'; keys are the option names without dashes, as --print-config writes them")
            }
            declared.append((name, option, value))
        }
        var arguments: [FileOption] = []
        // `key:` with no value (or `null`) leaves the option unset, as if it were not written.
        for (name, option, node) in declared where node.null == nil {
            let value: any OptionValue
            do {
                value = try YAMLDecoder().decode(option.valueType, from: node)
            } catch is DecodingError {
                throw CommandError("\(source):\(position(node.mark)): '\(name)' takes \(option.valueType.expectation), got \(kind(of: node))")
            }
            guard !value.holdsNonFiniteNumber else {
                throw CommandError("\(source):\(position(node.mark)): '\(name)' takes \(node.sequence == nil ? "a finite number" : "finite numbers"), got \(kind(of: node))")
            }
            arguments.append(FileOption(name: name, argument: argument(name, value), origin: "\(source):\(position(node.mark))"))
        }
        return arguments
    }

    /// The argument that gives option `name` its `value`: an on/off flag is `--name` or `--no-name`.
    private static func argument(_ name: String, _ value: any OptionValue) -> String {
        if let flag = value as? Bool { return flag ? "--\(name)" : "--no-\(name)" }
        // One argument, so that a value starting with '-' (label-column: -1) stays a value.
        return "--\(name)=\(value.argumentText)"
    }

    /// `configuration` as YAML, one key per line, in the order of the options.
    static func yaml(_ configuration: RunConfiguration) throws -> String {
        try PortableYAMLFloats.rewrite(YAMLEncoder().encode(configuration.record))
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
}
