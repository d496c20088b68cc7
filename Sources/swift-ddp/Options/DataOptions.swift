import ArgumentParser

/// Where the samples come from and how they are split and ordered.
struct DataOptions: ParsableArguments {
    @Option(help: "A data file: CSV (header recognised, label last), .npy or IDX (default: the task's built-in data).") var data: String?
    @Option(help: "The CSV label column, by header name or 0-based index (default: the last).") var labelColumn: String?
    @Option(help: "Share of samples held out for validation, fixed by the seed (0: none).") var valSplit = 0.1
    @Flag(inversion: .prefixedNo, help: "Shuffle the training data every epoch.") var shuffle = true
}
