import CZlib
import Foundation

/// Reading gzip-compressed files (the built-in digits, `.gz` IDX files).
public enum Gzip {
    /// The decompressed bytes of gzip (or zlib) `data`.
    public static func decompress(_ data: Data, source: String) throws -> Data {
        var stream = z_stream()
        guard swiftddp_inflate_init_gzip(&stream) == Z_OK else {
            throw DataError.malformed(source, "zlib could not start decompressing")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var input = [UInt8](data)
        var status: Int32 = Z_OK
        try input.withUnsafeMutableBufferPointer { inputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = UInt32(inputBuffer.count)
            repeat {
                try chunk.withUnsafeMutableBufferPointer { chunkBuffer in
                    stream.next_out = chunkBuffer.baseAddress
                    stream.avail_out = UInt32(chunkBuffer.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    guard status == Z_OK || status == Z_STREAM_END else {
                        throw DataError.malformed(source, "not valid gzip data (zlib status \(status))")
                    }
                    output.append(chunkBuffer.baseAddress!, count: chunkBuffer.count - Int(stream.avail_out))
                }
            } while status != Z_STREAM_END && (stream.avail_in > 0 || stream.avail_out == 0)
        }
        guard status == Z_STREAM_END else { throw DataError.malformed(source, "the gzip data is truncated") }
        return output
    }
}
