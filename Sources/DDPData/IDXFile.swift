import DDPTensor
import Foundation

/// An array read from an IDX file, the format of MNIST, Fashion-MNIST and EMNIST,
/// converted to `Float` in row-major order.
///
/// An IDX file starts with two zero bytes, a type byte and the number of dimensions, then
/// one big-endian 32-bit size per dimension, then the elements, big-endian. Gzip-compressed
/// files are recognised by their first bytes, whatever their name.
public struct IDXFile {
    /// The element type, from the third byte of the file.
    public enum ElementType: UInt8, Sendable {
        case unsignedByte = 0x08
        case signedByte = 0x09
        case short = 0x0B
        case int = 0x0C
        case float = 0x0D
        case double = 0x0E

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .unsignedByte, .signedByte: return 1
            case .short: return 2
            case .int, .float: return 4
            case .double: return 8
            }
        }
    }

    public let elementType: ElementType
    /// The size of each dimension.
    public let shape: [Int]
    /// The elements in row-major order.
    public let values: [Float]

    /// The array as a tensor of the same shape.
    public func tensor() -> Tensor { Tensor(values, shape: shape) }

    /// Reads the IDX file at `path`, gzip-compressed or not.
    public static func load(path: String) throws -> IDXFile {
        let data = try DataFileBytes.read(path)
        return try data.withUnsafeBytes { try parse($0, source: path) }
    }

    /// `true` when `bytes` start like an IDX file (zero bytes, a known type, 1 to 8 dimensions).
    static func hasMagic(_ bytes: some Collection<UInt8>) -> Bool {
        let head = Array(bytes.prefix(4))
        return head.count == 4 && head[0] == 0 && head[1] == 0 && ElementType(rawValue: head[2]) != nil
            && (1...8).contains(head[3])
    }

    /// Parses IDX bytes; `source` names the file in errors.
    static func parse(_ bytes: UnsafeRawBufferPointer, source: String) throws -> IDXFile {
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else {
            let start = bytes.prefix(4).map { String(format: "%02x", $0) }.joined(separator: " ")
            throw DataError.malformed(source, "is not an IDX file: it starts with \(start.isEmpty ? "nothing" : start), not two zero bytes, a type byte and a dimension count")
        }
        guard let elementType = ElementType(rawValue: bytes[2]) else {
            throw DataError.malformed(source, "has an unknown IDX element type 0x\(String(format: "%02X", bytes[2])) (known: 0x08 unsigned byte, 0x09 signed byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double)")
        }
        let rank = Int(bytes[3])
        guard rank >= 1 else { throw DataError.malformed(source, "declares 0 dimensions; an IDX array needs at least one") }
        let dataStart = 4 + 4 * rank
        guard bytes.count >= dataStart else {
            throw DataError.malformed(source, "is truncated: its \(rank) dimension sizes need \(4 * rank) bytes, found \(bytes.count - 4)")
        }
        let shape = (0..<rank).map { axis in
            Int(UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 4 + 4 * axis, as: UInt32.self)))
        }
        guard let count = Tensor.checkedElementCount(of: shape) else {
            throw DataError.malformed(source, "the shape \(shape) is too large")
        }
        let foundBytes = bytes.count - dataStart
        guard let expectedBytes = Tensor.checkedByteCount(count, elementSize: elementType.size), expectedBytes <= foundBytes else {
            let needed = Tensor.checkedByteCount(count, elementSize: elementType.size).map(String.init) ?? "more than Int.max"
            throw DataError.malformed(source, "is truncated: shape \(shape) needs \(needed) bytes of data, found \(foundBytes)")
        }
        guard expectedBytes == foundBytes else {
            throw DataError.malformed(source, "has \(foundBytes - expectedBytes) bytes after the data of shape \(shape); it is not a single IDX array")
        }

        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBufferPointer { output in
            guard let destination = output.baseAddress, let start = bytes.baseAddress else { return }
            convert(start + dataStart, count: count, type: elementType, into: destination)
        }
        return IDXFile(elementType: elementType, shape: shape, values: values)
    }

    private static func convert(
        _ source: UnsafeRawPointer, count: Int, type: ElementType, into destination: UnsafeMutablePointer<Float>
    ) {
        func each<Bits: FixedWidthInteger>(_: Bits.Type, _ transform: (Bits) -> Float) {
            for i in 0..<count {
                destination[i] = transform(Bits(bigEndian: source.loadUnaligned(fromByteOffset: i * MemoryLayout<Bits>.size, as: Bits.self)))
            }
        }
        switch type {
        case .unsignedByte: each(UInt8.self) { Float($0) }
        case .signedByte: each(Int8.self) { Float($0) }
        case .short: each(Int16.self) { Float($0) }
        case .int: each(Int32.self) { Float($0) }
        case .float: each(UInt32.self) { Float(bitPattern: $0) }
        case .double: each(UInt64.self) { Float(Double(bitPattern: $0)) }
        }
    }
}
