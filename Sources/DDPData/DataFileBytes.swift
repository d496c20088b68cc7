import Foundation

/// Reads a data file whole, decompressing it when it is gzip.
///
/// Compression is recognised by the gzip magic bytes `1f 8b`, not by the name, so a
/// compressed file without `.gz` (or a plain one with it) is still read correctly.
enum DataFileBytes {
    /// The contents of the file at `path`, decompressed if they are gzip.
    static func read(_ path: String) throws -> Data {
        let raw = try readRaw(path)
        return isGzip(raw) ? try Gzip.decompress(raw, source: path) : raw
    }

    /// The stored bytes of the file at `path`, as they are on disk.
    static func readRaw(_ path: String) throws -> Data {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw DataError.missingFile(path)
        }
        guard !isFolder.boolValue else { throw DataError.malformed(path, "is a folder, not a data file") }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw DataError.malformed(path, "could not be read (\(error.localizedDescription))")
        }
    }

    /// The first `count` stored bytes of the file at `path` (fewer for a shorter file), to
    /// recognise its kind without reading all of it.
    static func readPrefix(_ path: String, count: Int) throws -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else { return try readRaw(path).prefix(count) }
        defer { try? handle.close() }
        do {
            return try handle.read(upToCount: count) ?? Data()
        } catch {
            throw DataError.malformed(path, "could not be read (\(error.localizedDescription))")
        }
    }

    /// `true` when `data` starts with the gzip magic bytes.
    static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1f && data[data.startIndex + 1] == 0x8b
    }

    /// The first bytes of `data` in hexadecimal (`"50 4b 03 04"`), for messages about bad magic.
    static func hexPrefix(_ data: Data, count: Int = 4) -> String {
        data.prefix(count).map { String(format: "%02x", $0) }.joined(separator: " ")
    }
}
