/// The characters (Unicode scalars) of a text, each a token: index `i` is the `i`-th
/// character in code-point order, as a character-level language model numbers them.
public struct CharacterVocabulary: Equatable, Sendable {
    /// The characters, in code-point order.
    public let characters: [Unicode.Scalar]
    private let indices: [Unicode.Scalar: Int]

    /// The vocabulary of `characters`, in code-point order; each kept once.
    public init(characters: some Sequence<Unicode.Scalar>) {
        self.characters = Array(Set(characters)).sorted { $0.value < $1.value }
        indices = Dictionary(uniqueKeysWithValues: self.characters.enumerated().map { ($1, $0) })
    }

    /// The vocabulary of every character in `text`.
    public init(of text: String) { self.init(characters: text.unicodeScalars) }

    /// The number of tokens.
    public var count: Int { characters.count }

    /// The characters as one string, in order: how a checkpoint stores the vocabulary.
    public var text: String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: characters)
        return String(view)
    }

    /// The tokens of `text`.
    /// - Throws: ``DataError/invalidArgument(_:)`` listing the characters outside the vocabulary.
    public func encode(_ text: String, describedAs description: String = "the text") throws -> [Int] {
        var tokens: [Int] = []
        tokens.reserveCapacity(text.unicodeScalars.count)
        var unknown: [Unicode.Scalar] = []
        for scalar in text.unicodeScalars {
            if let index = indices[scalar] { tokens.append(index) } else if !unknown.contains(scalar) { unknown.append(scalar) }
        }
        guard unknown.isEmpty else {
            let listed = unknown.prefix(10).map { "'\($0.escaped(asASCII: true))'" }.joined(separator: ", ")
            throw DataError.invalidArgument(
                "\(description) has \(unknown.count) character(s) outside the model's vocabulary of \(count): \(listed); use only characters the model was trained on")
        }
        return tokens
    }

    /// The text of `tokens` (each must be below ``count``).
    public func decode(_ tokens: [Int]) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: tokens.map { characters[$0] })
        return String(view)
    }
}
