extension OptionEntry {
    /// Why this option's value cannot be used, when it is or holds nan or an infinity
    /// (`--lr=nan`, `--lr=inf`, `--lr=1e400`, which overflows to inf); `nil` otherwise.
    public var nonFiniteProblem: String? {
        guard let value, value.holdsNonFiniteNumber else { return nil }
        let overflow = value.argumentText.contains("inf") ? " (numbers beyond ±1.8e308 overflow to inf)" : ""
        let what = value is any CommaSeparatedValue ? "finite numbers" : "a finite number"
        return "--\(key) takes \(what), got \(value.argumentText)\(overflow)"
    }
}
