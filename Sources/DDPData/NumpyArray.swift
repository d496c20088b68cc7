import DDPTensor
import Foundation

/// An array read from a NumPy `.npy` file, converted to `Float` in row-major order.
///
/// Format versions 1.0, 2.0 and 3.0 are read. Element types: `float16`, `float32`,
/// `float64`, signed and unsigned integers of 1, 2, 4 and 8 bytes, and `bool` (0 or 1), in
/// either byte order. Arrays saved in Fortran (column-major) order are transposed into
/// row-major order, so `values` always lists the last index fastest. Integers beyond 2^24
/// lose precision in the conversion, as in `numpy.astype(float32)`.
public struct NumpyArray {
    /// The size of each dimension; `[]` for a scalar.
    public let shape: [Int]
    /// The elements in row-major order.
    public let values: [Float]
    /// The element type as NumPy wrote it, e.g. `<f4` or `|u1`.
    public let dtype: String

    /// The number of elements.
    public var count: Int { values.count }

    /// The array as a tensor of the same shape.
    public func tensor() -> Tensor { Tensor(values, shape: shape) }

    /// Reads the `.npy` file at `path` (gzip-compressed files too).
    public static func load(path: String) throws -> NumpyArray {
        let data = try DataFileBytes.read(path)
        return try data.withUnsafeBytes { try parse($0, source: path) }
    }

    /// Parses `.npy` bytes; `source` names the file in errors.
    static func parse(_ bytes: UnsafeRawBufferPointer, source: String) throws -> NumpyArray {
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard bytes.count >= 10, bytes.prefix(6).elementsEqual(magic) else {
            if bytes.starts(with: [0x50, 0x4B]) {
                throw DataError.malformed(source, "is a .npz archive (zip), not a .npy file; load it with numpy and save one array with numpy.save")
            }
            throw DataError.malformed(source, "is not a .npy file: it does not start with \\x93NUMPY")
        }
        let major = bytes[6], minor = bytes[7]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw DataError.malformed(source, "ends inside the .npy header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw DataError.malformed(source, ".npy format version \(major).\(minor) is not supported (known: 1.0, 2.0, 3.0)")
        }
        let dataStart = headerStart + headerLength
        guard dataStart <= bytes.count else {
            throw DataError.malformed(source, "ends inside the .npy header (\(headerLength) bytes announced, \(bytes.count - headerStart) present)")
        }
        // Version 1 and 2 headers are Latin-1, version 3 UTF-8; the keys and values we read are ASCII.
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[headerStart..<dataStart])
        let headerText = major == 3
            ? String(decoding: headerBytes, as: UTF8.self)
            : String(headerBytes.map { Character(Unicode.Scalar($0)) })
        let header = try NumpyHeader(headerText, source: source)
        let element = try NumpyElementType(dtype: header.descr, source: source)

        guard let count = Tensor.checkedElementCount(of: header.shape) else {
            throw DataError.malformed(source, "the shape \(describe(header.shape)) is too large")
        }
        let expectedBytes = Tensor.checkedByteCount(count, elementSize: element.size)
        let foundBytes = bytes.count - dataStart
        guard let expectedBytes, expectedBytes == foundBytes else {
            let shape = describe(header.shape)
            if let expectedBytes, foundBytes > expectedBytes {
                throw DataError.malformed(source, "has \(foundBytes - expectedBytes) bytes after the data of a \(header.descr.escapingControlCharacters) array of shape \(shape)")
            }
            throw DataError.malformed(source, "is truncated: a \(header.descr.escapingControlCharacters) array of shape \(shape) needs \(expectedBytes.map(String.init) ?? "more than Int.max") bytes of data, found \(foundBytes)")
        }

        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBufferPointer { output in
            guard let destination = output.baseAddress else { return }
            element.convert(bytes.baseAddress! + dataStart, count: count, into: destination)
        }
        if header.fortranOrder && header.shape.count > 1 {
            values = ArrayOrder.rowMajor(fromColumnMajor: values, shape: header.shape)
        }
        return NumpyArray(shape: header.shape, values: values, dtype: header.descr)
    }

    /// A shape as NumPy prints it: `(3, 4)`, `(3,)`, `()`.
    static func describe(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}
