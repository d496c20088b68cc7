import Foundation

/// A text as a stream of character tokens, with its vocabulary: what a language model
/// trains on.
public struct TextCorpus {
    /// The text's tokens, in order.
    public let tokens: [Int]
    public let vocabulary: CharacterVocabulary
    /// What the text is, for messages: a file path or the built-in corpus's name.
    public let source: String

    /// Tokenises `text` with its own vocabulary.
    public init(text: String, source: String) {
        vocabulary = CharacterVocabulary(of: text)
        // Every character is in the vocabulary of the text itself.
        tokens = (try? vocabulary.encode(text)) ?? []
        self.source = source
    }

    /// Reads the UTF-8 text file at `path`.
    /// - Throws: ``DataError`` for a missing, empty or non-UTF-8 file, naming it.
    public static func read(path: String) throws -> TextCorpus {
        let bytes = try DataFileBytes.readRaw(path)
        return TextCorpus(text: try decodeText(bytes, source: path), source: path)
    }

    /// The built-in corpus: every fortune file the Debian package `fortunes` installs (about
    /// 2.5 MB of English), in file-name order.
    /// - Throws: ``DataError`` naming the package to install when its files are missing.
    public static func fortunes(directory: String = Fortunes.directory) throws -> TextCorpus {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var text = ""
        for name in files.sorted() where !name.hasSuffix(".dat") && !name.hasPrefix(".") {
            let path = directory + "/" + name
            // The `.u8` names are symbolic links to the same files.
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            guard attributes?[.type] as? FileAttributeType == .typeRegular else { continue }
            text += try decodeText(try DataFileBytes.readRaw(path), source: path)
        }
        guard !text.isEmpty else {
            throw DataError.invalidArgument(
                "the built-in text is not installed (no fortune files in \(directory)): install the Debian package \(Fortunes.package) "
                + "(apt-get install \(Fortunes.package); launch/swift-ddp and launch/test install it), or give --data FILE.txt")
        }
        return TextCorpus(text: text, source: Fortunes.name)
    }

    /// The tokens split into a training part and the last `validationFraction` of the
    /// stream (a contiguous tail, so no validation window overlaps a training one).
    public func split(validationFraction: Double) -> (training: [Int], validation: [Int]) {
        let validationCount = Int((Double(tokens.count) * validationFraction).rounded())
        return (Array(tokens.dropLast(validationCount)), Array(tokens.suffix(validationCount)))
    }

    /// `bytes` as UTF-8 text.
    static func decodeText(_ bytes: Data, source: String) throws -> String {
        guard !bytes.isEmpty else {
            throw DataError.malformed(source, "is empty: give a UTF-8 text file with some text in it")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let offset = firstInvalidUTF8Offset(bytes)
            throw DataError.malformed(source, "is not UTF-8 text (invalid byte at offset \(offset)): convert it to UTF-8 (e.g. with iconv)")
        }
        return text
    }

    /// The offset of the first byte that is not part of a valid UTF-8 character.
    private static func firstInvalidUTF8Offset(_ bytes: Data) -> Int {
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput, .error: return offset
            }
        }
    }
}

/// The built-in corpus of the language-model task.
public enum Fortunes {
    /// The Debian package that installs it.
    public static let package = "fortunes"
    /// Where that package puts the files.
    public static let directory = "/usr/share/games/fortunes"
    /// Its name in messages.
    public static let name = "the fortunes corpus"
}
