/// Reads `--lr -1` as `--lr=-1`.
///
/// ArgumentParser takes every word that starts with a dash for an option, so a negative
/// number after an option would be "missing". No option of swift-ddp is named like a number,
/// so a dash followed by a number is always a value.
enum NegativeNumberArguments {
    static func joined(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                result += arguments[index...]
                break
            }
            if argument.hasPrefix("--"), !argument.contains("="), index + 1 < arguments.count,
               isNegativeNumber(arguments[index + 1]) {
                result.append(argument + "=" + arguments[index + 1])
                index += 2
            } else {
                result.append(argument)
                index += 1
            }
        }
        return result
    }

    /// `-1`, `-0.5`, `-.5`, `-1e-3`, `-inf`, or a list starting with one (`-1,2`).
    static func isNegativeNumber(_ word: String) -> Bool {
        guard word.hasPrefix("-"), let first = word.split(separator: ",", omittingEmptySubsequences: false).first else {
            return false
        }
        return Double(first) != nil
    }
}
