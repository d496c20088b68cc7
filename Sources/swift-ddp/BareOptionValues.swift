/// Reads `--fast-dev-run` given without a number as `--fast-dev-run=1`, as Lightning reads
/// `fast_dev_run=True`; `--fast-dev-run 5` keeps its number. The option is bare when another
/// option or nothing follows it; a word that follows is its value (the commands that take it
/// have no positional arguments), so a wrong one is reported against the option.
enum BareOptionValues {
    /// The value of each option that may be given bare.
    static let valueWhenBare = ["--fast-dev-run": "1"]

    static func completed(_ arguments: [String]) -> [String] {
        arguments.indices.map { index in
            let argument = arguments[index]
            guard let value = valueWhenBare[argument] else { return argument }
            let next = arguments.indices.contains(index + 1) ? arguments[index + 1] : nil
            let isBare = next?.hasPrefix("-") ?? true
            return isBare ? argument + "=" + value : argument
        }
    }
}
