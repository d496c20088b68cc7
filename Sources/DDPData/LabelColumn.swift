/// Which column of a table holds the label; every other column is a feature.
public enum LabelColumn: Equatable, Sendable {
    /// The last column (the default, as most tabular data sets put the target last).
    case last
    /// The column with this name in the header row; the file must have a header.
    case named(String)
    /// The column at this 0-based position; negative positions count from the end, so
    /// `-1` is the last column and `-2` the one before it.
    case position(Int)

    /// The label column a command-line argument asks for: a whole number (`3`, `-1`) is a
    /// position, anything else a header name. A column whose name is itself a number is
    /// therefore chosen by position.
    public init(argument: String) {
        if let position = Int(argument) { self = .position(position) } else { self = .named(argument) }
    }
}

/// How label values become a training target.
public enum LabelKind: Sendable {
    /// Class labels when every label value is a whole number `>= 0` (classification),
    /// regression targets otherwise.
    case automatic
    /// Class labels; a label that is not a whole number `>= 0` is an error.
    case classes
    /// Regression targets `[samples, 1]`, even when the values are whole numbers.
    case regression
}
