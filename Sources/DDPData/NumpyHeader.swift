import Foundation

/// The header of a NumPy `.npy` file: a Python dictionary literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
struct NumpyHeader {
    /// The dtype string, e.g. `<f4`.
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    /// Parses the header `text`; `source` names the file in errors.
    init(_ text: String, source: String) throws {
        func malformed(_ why: String) -> DataError { .malformed(source, "the .npy header \(why): \(text.trimmingCharacters(in: .whitespacesAndNewlines).escapingControlCharacters)") }
        var parser = PythonLiteralParser(text: text)
        guard case .dictionary(let entries)? = try? parser.parseWhole() else {
            throw malformed("is not a Python dictionary literal")
        }
        let fields = Dictionary(entries, uniquingKeysWith: { first, _ in first })
        switch fields["descr"] {
        case .string(let descr)?: self.descr = descr
        case .list?: throw DataError.malformed(source, "holds a structured array (fields of different types); save a plain numeric array instead")
        default: throw malformed("has no 'descr' string")
        }
        guard case .boolean(let fortranOrder)? = fields["fortran_order"] else {
            throw malformed("has no 'fortran_order' True or False")
        }
        self.fortranOrder = fortranOrder
        guard case .tuple(let dimensions)? = fields["shape"] else { throw malformed("has no 'shape' tuple") }
        self.shape = try dimensions.map { dimension in
            guard case .integer(let size) = dimension, size >= 0 else { throw malformed("has a shape that is not a tuple of sizes >= 0") }
            return size
        }
    }
}

/// A Python literal of the kinds a `.npy` header uses.
enum PythonLiteral {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dictionary([(String, PythonLiteral)])
}

/// Reads the subset of Python literal syntax found in `.npy` headers: dictionaries with
/// string keys, tuples, lists, quoted strings, integers, `True`, `False` and `None`.
struct PythonLiteralParser {
    struct SyntaxError: Error {}

    private let characters: [Character]
    private var position = 0
    /// How deeply literals are nested at `position`; limited so that a corrupt header cannot
    /// exhaust the stack (real headers nest two levels).
    private var depth = 0

    init(text: String) { characters = Array(text) }

    /// The one literal that makes up the whole text.
    mutating func parseWhole() throws -> PythonLiteral {
        let value = try parseValue()
        skipSpaces()
        guard position == characters.count else { throw SyntaxError() }
        return value
    }

    private mutating func parseValue() throws -> PythonLiteral {
        depth += 1
        defer { depth -= 1 }
        guard depth <= 16 else { throw SyntaxError() }
        skipSpaces()
        guard let character = peek() else { throw SyntaxError() }
        switch character {
        case "{":
            position += 1
            var entries: [(String, PythonLiteral)] = []
            for item in try parseItems(closing: "}", entry: true) {
                guard case .tuple(let pair) = item, pair.count == 2, case .string(let key) = pair[0] else { throw SyntaxError() }
                entries.append((key, pair[1]))
            }
            return .dictionary(entries)
        case "(":
            position += 1
            return .tuple(try parseItems(closing: ")", entry: false))
        case "[":
            position += 1
            return .list(try parseItems(closing: "]", entry: false))
        case "'", "\"":
            return .string(try parseString(quote: character))
        default:
            if character == "-" || character == "+" || character.isASCII && character.isNumber { return .integer(try parseInteger()) }
            let word = parseWord()
            switch word {
            case "True": return .boolean(true)
            case "False": return .boolean(false)
            case "None": return .none
            default: throw SyntaxError()
            }
        }
    }

    /// Comma-separated items up to `closing` (a trailing comma allowed); dictionary entries
    /// come back as `(key, value)` tuples.
    private mutating func parseItems(closing: Character, entry: Bool) throws -> [PythonLiteral] {
        var items: [PythonLiteral] = []
        while true {
            skipSpaces()
            if peek() == closing { position += 1; return items }
            var item = try parseValue()
            if entry {
                skipSpaces()
                guard peek() == ":" else { throw SyntaxError() }
                position += 1
                item = .tuple([item, try parseValue()])
            }
            items.append(item)
            skipSpaces()
            if peek() == "," { position += 1; continue }
            guard peek() == closing else { throw SyntaxError() }
        }
    }

    private mutating func parseString(quote: Character) throws -> String {
        position += 1
        var text = ""
        while let character = peek() {
            position += 1
            if character == quote { return text }
            if character == "\\" {
                guard let escaped = peek() else { throw SyntaxError() }
                position += 1
                text.append(escaped)
            } else {
                text.append(character)
            }
        }
        throw SyntaxError()
    }

    private mutating func parseInteger() throws -> Int {
        var digits = ""
        if let sign = peek(), sign == "-" || sign == "+" { digits.append(sign); position += 1 }
        while let character = peek(), character.isASCII, character.isNumber { digits.append(character); position += 1 }
        if peek() == "L" { position += 1 }  // Python 2 long integers in old files
        guard let value = Int(digits) else { throw SyntaxError() }
        return value
    }

    private mutating func parseWord() -> String {
        var word = ""
        while let character = peek(), character.isLetter { word.append(character); position += 1 }
        return word
    }

    private mutating func skipSpaces() {
        while let character = peek(), character.isWhitespace { position += 1 }
    }

    private func peek() -> Character? { position < characters.count ? characters[position] : nil }
}
