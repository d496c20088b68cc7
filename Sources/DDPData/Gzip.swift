import CZlib
import Foundation

/// Reading gzip-compressed files (the built-in digits, `.gz` IDX files).
public enum Gzip {
    /// The decompressed bytes of gzip (or zlib) `data`.
    ///
    /// A file of several gzip members one after the other (as `cat a.gz b.gz` or parallel
    /// compressors write) reads as their contents in order, as `gunzip` reads it; zero bytes
    /// after the last member (padding) are ignored.
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
            guard let base = inputBuffer.baseAddress else { return }
            // zlib counts input in UInt32: more than 4 GiB is handed over in parts.
            var handedOver = 0
            func handOverMore() {
                let part = min(inputBuffer.count - handedOver, Int(UInt32.max))
                stream.next_in = base + handedOver
                stream.avail_in = UInt32(part)
                handedOver += part
            }
            handOverMore()
            while true {
                repeat {
                    if stream.avail_in == 0 && handedOver < inputBuffer.count { handOverMore() }
                    try chunk.withUnsafeMutableBufferPointer { chunkBuffer in
                        stream.next_out = chunkBuffer.baseAddress
                        stream.avail_out = UInt32(chunkBuffer.count)
                        status = inflate(&stream, Z_NO_FLUSH)
                        guard status == Z_OK || status == Z_STREAM_END else {
                            throw DataError.malformed(source, "not valid gzip data (zlib status \(status))")
                        }
                        output.append(chunkBuffer.baseAddress!, count: chunkBuffer.count - Int(stream.avail_out))
                    }
                } while status != Z_STREAM_END
                    && (stream.avail_in > 0 || stream.avail_out == 0 || handedOver < inputBuffer.count)
                guard status == Z_STREAM_END else { return }
                // What follows the member: everything zlib has not consumed.
                let consumed = stream.next_in - base
                let rest = UnsafeBufferPointer(rebasing: inputBuffer[consumed...])
                guard rest.count >= 2, rest[0] == 0x1F, rest[1] == 0x8B else {
                    guard rest.allSatisfy({ $0 == 0 }) else {
                        throw DataError.malformed(source, "\(rest.count) bytes after the end of the gzip data are not another gzip member")
                    }
                    return
                }
                // Another member follows.
                guard inflateReset(&stream) == Z_OK else { throw DataError.malformed(source, "zlib could not read the next gzip member") }
                handedOver = consumed
                handOverMore()
            }
        }
        guard status == Z_STREAM_END else { throw DataError.malformed(source, "the gzip data is truncated") }
        return output
    }
}
