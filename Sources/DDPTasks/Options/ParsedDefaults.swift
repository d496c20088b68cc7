import ArgumentParser

extension ParsableArguments {
    /// The group with every option at its default, as parsing no arguments makes it: a
    /// declared option cannot be read before it has been parsed.
    public static var parsedDefaults: Self {
        do {
            return try parse([])
        } catch {
            preconditionFailure("\(Self.self) has an option without a default: \(error)")
        }
    }
}
