import ArgumentParser

/// One run option as a configuration holds it: its key (the option's name without dashes),
/// the type of its value, and its value after parsing (`nil`: not given, and no default).
public struct OptionEntry: Sendable {
    public let key: String
    public let valueType: any OptionValue.Type
    public let value: (any OptionValue)?
}

/// An ArgumentParser declaration (`@Option`, `@Flag`) whose value a configuration reads.
protocol DeclaredOption {
    static var valueType: any OptionValue.Type { get }
    var givenValue: (any OptionValue)? { get }
}

extension Option: DeclaredOption where Value: DeclaredValue {
    static var valueType: any OptionValue.Type { Value.valueType }
    var givenValue: (any OptionValue)? { wrappedValue.givenValue }
}

extension Flag: DeclaredOption where Value: DeclaredValue {
    static var valueType: any OptionValue.Type { Value.valueType }
    var givenValue: (any OptionValue)? { wrappedValue.givenValue }
}

/// An `@OptionGroup`, whose options are its group's.
protocol DeclaredGroup {
    var groupEntries: [OptionEntry] { get }
}

extension OptionGroup: DeclaredGroup {
    var groupEntries: [OptionEntry] { wrappedValue.optionEntries }
}

extension ParsableArguments {
    /// The options declared in this group and the groups it embeds, in declaration order,
    /// each keyed by its property's name in kebab case (`maxEpochs` is `max-epochs`, `lrGA`
    /// is `lr-g-a`), which is the option's name on the command line.
    ///
    /// Reading the declarations themselves keeps each option declared once: its key, type,
    /// help and default come from its `@Option` or `@Flag`.
    public var optionEntries: [OptionEntry] {
        Mirror(reflecting: self).children.flatMap { child -> [OptionEntry] in
            if let group = child.value as? any DeclaredGroup { return group.groupEntries }
            guard let label = child.label, let option = child.value as? any DeclaredOption else { return [] }
            // Property wrappers are stored as `_name`.
            let name = label.hasPrefix("_") ? String(label.dropFirst()) : label
            return [OptionEntry(key: Self.kebabCase(name), valueType: type(of: option).valueType, value: option.givenValue)]
        }
    }

    /// The options given (or with a default), by key.
    public var givenOptionKeys: [String] {
        optionEntries.filter { $0.value != nil }.map(\.key)
    }

    private static func kebabCase(_ name: String) -> String {
        name.reduce(into: "") { key, character in
            if character.isUppercase { key += "-" + character.lowercased() } else { key.append(character) }
        }
    }
}
