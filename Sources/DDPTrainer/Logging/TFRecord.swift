/// TensorFlow's record framing, in which event files are written: each record is its length
/// (little-endian `UInt64`), the masked CRC-32C of those 8 bytes, the data, and the masked
/// CRC-32C of the data. Readers use the checksums to stop at a torn last record.
enum TFRecord {
    static func framed(_ data: [UInt8]) -> [UInt8] {
        var record: [UInt8] = []
        record.reserveCapacity(data.count + 16)
        let length = littleEndianBytes(UInt64(data.count))
        record += length
        record += littleEndianBytes(CRC32C.masked(length))
        record += data
        record += littleEndianBytes(CRC32C.masked(data))
        return record
    }

    private static func littleEndianBytes<Integer: FixedWidthInteger>(_ value: Integer) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }
}
