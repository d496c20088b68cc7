/// The element types of `.npy` files that convert to `Float`, with their byte order.
struct NumpyElementType {
    enum Kind {
        case float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64, boolean
    }

    var kind: Kind
    /// Bytes per element.
    var size: Int
    /// The bytes of an element are in the opposite order to this machine's.
    var needsByteSwap: Bool

    /// The element type of NumPy dtype string `dtype` (`<f4`, `>i8`, `|u1`, `|b1`, ...).
    init(dtype: String, source: String) throws {
        let characters = Array(dtype)
        guard characters.count >= 3, let size = Int(String(characters[2...])) else {
            throw DataError.malformed(source, "has an unreadable dtype '\(dtype.escapingControlCharacters)'")
        }
        let hostIsLittleEndian = 1.littleEndian == 1
        switch characters[0] {
        case "<": needsByteSwap = !hostIsLittleEndian
        case ">": needsByteSwap = hostIsLittleEndian
        case "|", "=": needsByteSwap = false
        default: throw DataError.malformed(source, "has an unreadable dtype '\(dtype.escapingControlCharacters)'")
        }
        self.size = size
        switch (characters[1], size) {
        case ("f", 2): kind = .float16
        case ("f", 4): kind = .float32
        case ("f", 8): kind = .float64
        case ("i", 1): kind = .int8
        case ("i", 2): kind = .int16
        case ("i", 4): kind = .int32
        case ("i", 8): kind = .int64
        case ("u", 1): kind = .uint8
        case ("u", 2): kind = .uint16
        case ("u", 4): kind = .uint32
        case ("u", 8): kind = .uint64
        case ("b", 1): kind = .boolean
        default:
            let described: String
            switch characters[1] {
            case "c": described = "complex numbers"
            case "O": described = "Python objects"
            case "U", "S", "a": described = "strings"
            case "M", "m": described = "dates or times"
            default: described = "an unsupported element type"
            }
            throw DataError.malformed(source, "has dtype '\(dtype.escapingControlCharacters)' (\(described)); save float32, float64, float16, an integer type or bool instead")
        }
    }

    /// Converts `count` elements at `source` (any alignment) to `Float`.
    func convert(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        switch kind {
        case .float16: convertBits(source, count, destination, UInt16.self) { Float(halfBits: $0) }
        case .float32: convertBits(source, count, destination, UInt32.self) { Float(bitPattern: $0) }
        case .float64: convertBits(source, count, destination, UInt64.self) { Float(Double(bitPattern: $0)) }
        case .int8: convertBits(source, count, destination, Int8.self) { Float($0) }
        case .int16: convertBits(source, count, destination, Int16.self) { Float($0) }
        case .int32: convertBits(source, count, destination, Int32.self) { Float($0) }
        case .int64: convertBits(source, count, destination, Int64.self) { Float($0) }
        case .uint8: convertBits(source, count, destination, UInt8.self) { Float($0) }
        case .uint16: convertBits(source, count, destination, UInt16.self) { Float($0) }
        case .uint32: convertBits(source, count, destination, UInt32.self) { Float($0) }
        case .uint64: convertBits(source, count, destination, UInt64.self) { Float($0) }
        case .boolean: convertBits(source, count, destination, UInt8.self) { $0 == 0 ? 0 : 1 }
        }
    }

    private func convertBits<Bits: FixedWidthInteger>(
        _ source: UnsafeRawPointer, _ count: Int, _ destination: UnsafeMutablePointer<Float>,
        _: Bits.Type, _ transform: (Bits) -> Float
    ) {
        let stride = MemoryLayout<Bits>.size
        for i in 0..<count {
            let bits = source.loadUnaligned(fromByteOffset: i * stride, as: Bits.self)
            destination[i] = transform(needsByteSwap ? bits.byteSwapped : bits)
        }
    }
}

extension Float {
    /// The value of IEEE 754 half-precision bits (`numpy.float16`), without relying on the
    /// platform's `Float16`, which not every Swift target has.
    init(halfBits bits: UInt16) {
        let sign = UInt32(bits >> 15) << 31
        let exponent = Int((bits >> 10) & 0x1F)
        let fraction = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: fraction · 2^-24.
            let magnitude = Float(fraction) * 0x1p-24
            self = sign == 0 ? magnitude : -magnitude
        case 0x1F:
            self = Float(bitPattern: sign | 0x7F80_0000 | fraction << 13)
        default:
            self = Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | fraction << 13)
        }
    }
}
