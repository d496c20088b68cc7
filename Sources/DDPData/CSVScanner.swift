import Foundation

/// Splits comma-separated bytes into rows of fields without copying them.
///
/// Quoting follows RFC 4180: a field may be enclosed in double quotes, inside which commas
/// and line breaks are plain text and `""` stands for one quote. Lines may end in `\n`,
/// `\r\n` or `\r`; spaces and tabs around a field are ignored; blank lines are skipped; a
/// UTF-8 byte order mark at the start is ignored.
struct CSVScanner {
    /// Where one field's text lies in the bytes: `start..<end`, without enclosing quotes.
    struct Field {
        var start: Int
        var end: Int
        /// The field was quoted and contains `""` pairs that stand for one quote each.
        var hasEscapedQuotes: Bool
    }

    let bytes: UnsafeBufferPointer<UInt8>
    let source: String
    /// The next byte to read.
    private var position = 0
    /// The 1-based line of the byte at `position`.
    private var line = 1

    init(bytes: UnsafeBufferPointer<UInt8>, source: String) {
        self.bytes = bytes
        self.source = source
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
    }

    /// Reads the next non-blank row into `fields` and returns the line it starts on, or
    /// `nil` at the end of the bytes.
    mutating func nextRow(into fields: inout [Field]) throws -> Int? {
        fields.removeAll(keepingCapacity: true)
        guard skipBlankLines() else { return nil }
        let rowLine = line
        let count = bytes.count
        while true {
            skipSpaces()
            var field: Field
            if position < count, bytes[position] == UInt8(ascii: "\"") {
                field = try quotedField(rowLine: rowLine, fieldNumber: fields.count + 1)
            } else {
                let start = position
                while position < count {
                    let byte = bytes[position]
                    if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { break }
                    position += 1
                }
                var end = position
                while end > start, bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == UInt8(ascii: "\t") { end -= 1 }
                field = Field(start: start, end: end, hasEscapedQuotes: false)
            }
            fields.append(field)
            if position < count, bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            consumeLineBreak()
            return rowLine
        }
    }

    /// The text of `field`, with `""` pairs turned into quotes (for header names).
    func text(of field: Field) -> String {
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[field.start..<field.end]), as: UTF8.self)
        return field.hasEscapedQuotes ? text.replacingOccurrences(of: "\"\"", with: "\"") : text
    }

    /// Reads a field that starts with a quote at `position`.
    private mutating func quotedField(rowLine: Int, fieldNumber: Int) throws -> Field {
        let count = bytes.count
        position += 1
        let start = position
        var hasEscapedQuotes = false
        while true {
            guard position < count else {
                throw DataError.malformedLine(file: source, line: rowLine, "field \(fieldNumber) opens a quote that is never closed")
            }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                if position + 1 < count, bytes[position + 1] == UInt8(ascii: "\"") {
                    hasEscapedQuotes = true
                    position += 2
                    continue
                }
                break
            }
            if byte == UInt8(ascii: "\n") || (byte == UInt8(ascii: "\r") && !(position + 1 < count && bytes[position + 1] == UInt8(ascii: "\n"))) {
                line += 1
            }
            position += 1
        }
        let field = Field(start: start, end: position, hasEscapedQuotes: hasEscapedQuotes)
        position += 1  // the closing quote
        skipSpaces()
        if position < count, case let next = bytes[position],
           next != UInt8(ascii: ","), next != UInt8(ascii: "\n"), next != UInt8(ascii: "\r") {
            throw DataError.malformedLine(file: source, line: line, "unexpected '\(String(Character(Unicode.Scalar(next))).escapingControlCharacters)' after the closing quote of field \(fieldNumber); a quote inside a quoted field is written \"\"")
        }
        return field
    }

    /// Moves past blank lines; `false` when only blank lines were left.
    private mutating func skipBlankLines() -> Bool {
        while true {
            skipSpaces()
            guard position < bytes.count else { return false }
            let byte = bytes[position]
            guard byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") else { return true }
            consumeLineBreak()
        }
    }

    private mutating func skipSpaces() {
        while position < bytes.count, bytes[position] == UInt8(ascii: " ") || bytes[position] == UInt8(ascii: "\t") {
            position += 1
        }
    }

    /// Moves past a `\n`, `\r\n` or `\r` at `position` (or nothing at the end).
    private mutating func consumeLineBreak() {
        guard position < bytes.count else { return }
        if bytes[position] == UInt8(ascii: "\r") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "\n") { position += 1 }
        } else {
            position += 1
        }
        line += 1
    }
}
