import DDPTestSupport
import Foundation

/// Files for the reader tests, written into a fresh temporary folder.
struct TestFolder {
    let path: String

    init() throws { path = try makeTemporaryFolder("swift-ddp-data") }

    /// Writes `text` (as UTF-8) to `name` in the folder and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, Data(text.utf8))
    }

    /// Writes `bytes` to `name` in the folder and returns its path.
    @discardableResult
    func write(_ name: String, _ bytes: Data) throws -> String {
        let file = (path as NSString).appendingPathComponent(name)
        try bytes.write(to: URL(fileURLWithPath: file))
        return file
    }

    /// The path `name` would have in the folder.
    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// Compresses the file at `source` with Python's gzip module into `name`; returns its path.
    @discardableResult
    func gzip(_ source: String, as name: String) throws -> String {
        let destination = file(name)
        _ = try runPython("""
            import gzip, shutil, sys
            with open(sys.argv[1], 'rb') as f, gzip.open(sys.argv[2], 'wb') as g:
                shutil.copyfileobj(f, g)
            """, arguments: [source, destination])
        return destination
    }
}

/// The bytes of an IDX file: magic with `typeByte`, big-endian sizes of `shape`, then `payload`.
func idxBytes(typeByte: UInt8, shape: [Int], payload: Data) -> Data {
    var bytes = Data([0, 0, typeByte, UInt8(shape.count)])
    for size in shape { withUnsafeBytes(of: UInt32(size).bigEndian) { bytes.append(contentsOf: $0) } }
    return bytes + payload
}

/// The big-endian bytes of `values`.
func bigEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> Data {
    var bytes = Data()
    for value in values { withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) } }
    return bytes
}
