/// Encodes protocol-buffer fields in the wire format, enough for the few TensorBoard messages
/// written here: varints, 32- and 64-bit fixed values and length-delimited fields.
struct ProtobufEncoder {
    private(set) var bytes: [UInt8] = []

    private enum WireType: UInt64 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    /// An `int64` field. Negative values take ten bytes, as protobuf specifies.
    mutating func appendInt64(field: Int, _ value: Int64) {
        appendKey(field: field, .varint)
        appendVarint(UInt64(bitPattern: value))
    }

    /// A `double` field.
    mutating func appendDouble(field: Int, _ value: Double) {
        appendKey(field: field, .fixed64)
        appendLittleEndian(value.bitPattern)
    }

    /// A `float` field.
    mutating func appendFloat(field: Int, _ value: Float) {
        appendKey(field: field, .fixed32)
        appendLittleEndian(value.bitPattern)
    }

    /// A `string` field, in UTF-8.
    mutating func appendString(field: Int, _ value: String) {
        appendBytes(field: field, Array(value.utf8))
    }

    /// An embedded message, given as its encoding.
    mutating func appendMessage(field: Int, _ message: ProtobufEncoder) {
        appendBytes(field: field, message.bytes)
    }

    private mutating func appendBytes(field: Int, _ value: [UInt8]) {
        appendKey(field: field, .lengthDelimited)
        appendVarint(UInt64(value.count))
        bytes += value
    }

    private mutating func appendKey(field: Int, _ wireType: WireType) {
        appendVarint(UInt64(field) << 3 | wireType.rawValue)
    }

    private mutating func appendVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    private mutating func appendLittleEndian<Integer: FixedWidthInteger>(_ value: Integer) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
}
