import DDPTensor
import Foundation

/// A file in the safetensors format: an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range, then the raw little-endian data.
///
/// Tensors are written as `F32`, except those with exact ``float64Values``, written as `F64`.
/// Reading accepts the float and integer dtypes PyTorch
/// writes (`F32`, `F64`, `F16`, `BF16`, `I64`, `I32`, `I16`, `I8`, `U8`, `BOOL`) and converts
/// them to Float32. Every offset and size is checked before data is touched, so a truncated
/// or corrupted file is an error, never a crash.
public struct SafeTensorsFile {
    /// The tensors, in file order.
    public var tensors: [(name: String, tensor: Tensor)]
    /// The free-form `__metadata__` strings.
    public var metadata: [String: String]
    /// The exact values of the tensors stored as `F64`, by name (each also in ``tensors``,
    /// rounded to Float32). Writing stores a tensor named here as `F64` from these values.
    public var float64Values: [String: [Double]]

    public init(
        tensors: [(name: String, tensor: Tensor)] = [], metadata: [String: String] = [:],
        float64Values: [String: [Double]] = [:]
    ) {
        self.tensors = tensors
        self.metadata = metadata
        self.float64Values = float64Values
    }

    /// The tensors by name.
    public var dictionary: [String: Tensor] {
        Dictionary(tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
    }

    /// The largest header accepted (as the reference implementation).
    static let maximumHeaderBytes = 100 << 20

    // MARK: Writing

    /// The file's bytes.
    public func encoded() -> Data {
        var header = "{"
        var offset = 0
        if !metadata.isEmpty {
            let entries = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            header += "\"__metadata__\":{\(entries.joined(separator: ","))},"
        }
        header += tensors.map { name, tensor in
            let wide = float64Values[name] != nil
            let end = offset + tensor.count * (wide ? 8 : 4)
            defer { offset = end }
            return "\(jsonString(name)):{\"dtype\":\"\(wide ? "F64" : "F32")\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}"
        }.joined(separator: ",")
        header += "}"
        // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
        var headerBytes = Array(header.utf8)
        while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(0x20) }
        var data = Data(capacity: 8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: headerBytes)
        for (name, tensor) in tensors {
            // Float32 and Float64 are little-endian on every platform this runs on.
            if let values = float64Values[name] {
                precondition(values.count == tensor.count, "float64Values['\(name)'] has \(values.count) values for \(tensor.count) elements")
                values.withUnsafeBufferPointer { data.append($0) }
            } else {
                data.append(UnsafeBufferPointer(start: tensor.data, count: tensor.count))
            }
        }
        return data
    }

    /// Writes the file atomically: to a temporary file in the same folder, flushed to disk,
    /// then renamed over `path`. A crash leaves either the old file or the new one, never a
    /// torn one.
    public func write(to path: String) throws {
        try AtomicFile.write(encoded(), to: path)
    }

    // MARK: Reading

    /// Reads the file at `path`.
    public static func read(from path: String) throws -> SafeTensorsFile {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw SafeTensorsError(path, "no such file") }
        guard !isFolder.boolValue else { throw SafeTensorsError(path, "is a folder, not a file: name a .safetensors file inside it") }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw SafeTensorsError(path, "cannot be read (\(error.localizedDescription))")
        }
        return try decode(data, source: path)
    }

    /// Parses safetensors bytes; `source` names them in errors.
    public static func decode(_ data: Data, source: String) throws -> SafeTensorsFile {
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw SafeTensorsError(source, "is too short to be a safetensors file (\(bytes.count) bytes)") }
        let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(maximumHeaderBytes), 8 + Int(headerLength) <= bytes.count else {
            throw SafeTensorsError(source, "is truncated or not a safetensors file (header of \(headerLength) bytes in a \(bytes.count)-byte file)")
        }
        let headerEnd = 8 + Int(headerLength)
        guard let json = try? JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd])),
              let header = json as? [String: Any] else {
            throw SafeTensorsError(source, "has a header that is not a JSON object")
        }
        var metadata: [String: String] = [:]
        if let raw = header["__metadata__"] {
            guard let strings = raw as? [String: String] else {
                throw SafeTensorsError(source, "has __metadata__ that is not a map of strings")
            }
            metadata = strings
        }
        let dataLength = bytes.count - headerEnd
        var entries: [(name: String, dtype: DType, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any],
                  let dtypeName = info["dtype"] as? String,
                  let shape = wholeNumbers(info["shape"]),
                  let offsets = wholeNumbers(info["data_offsets"]), offsets.count == 2 else {
                throw SafeTensorsError(source, "entry \(quoted(name)) lacks dtype, shape or data_offsets (lists of whole numbers)")
            }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw SafeTensorsError(source, "entry \(quoted(name)) has dtype \(quoted(dtypeName)), which cannot be read as Float32")
            }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataLength else {
                throw SafeTensorsError(source, "entry \(quoted(name)) points outside the file (offsets \(offsets), \(dataLength) data bytes): truncated or corrupted")
            }
            guard let count = Tensor.checkedElementCount(of: shape),
                  let expected = Tensor.checkedByteCount(count, elementSize: dtype.size) else {
                throw SafeTensorsError(source, "entry \(quoted(name)) has shape \(shape), too large for any file: corrupted")
            }
            guard offsets[1] - offsets[0] == expected else {
                throw SafeTensorsError(source, "entry \(quoted(name)) has \(offsets[1] - offsets[0]) bytes for shape \(shape) of \(quoted(dtypeName)) (\(expected) expected)")
            }
            entries.append((name, dtype, shape, offsets[0], offsets[1]))
        }
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var covered = 0
        for entry in entries where entry.end > entry.begin {
            guard entry.begin == covered else {
                throw SafeTensorsError(source, "entry \(quoted(entry.name)) overlaps another or leaves a gap: corrupted")
            }
            covered = entry.end
        }
        guard covered == dataLength else {
            throw SafeTensorsError(source, "has \(dataLength - covered) bytes after its last tensor: corrupted")
        }
        var float64Values: [String: [Double]] = [:]
        let tensors = bytes.withUnsafeBufferPointer { buffer in
            entries.map { entry -> (name: String, tensor: Tensor) in
                let tensor = Tensor(uninitializedShape: entry.shape)
                let start = UnsafeRawPointer(buffer.baseAddress! + headerEnd + entry.begin)
                entry.dtype.convert(start, count: tensor.count, into: tensor.data)
                if entry.dtype == .f64 {
                    float64Values[entry.name] = (0..<tensor.count).map {
                        Double(bitPattern: UInt64(littleEndian: start.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)))
                    }
                }
                return (entry.name, tensor)
            }
        }
        return SafeTensorsFile(tensors: tensors, metadata: metadata, float64Values: float64Values)
    }

    /// The element types that can be read.
    enum DType: String {
        case f32 = "F32", f64 = "F64", f16 = "F16", bf16 = "BF16"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

        var size: Int {
            switch self {
            case .f64, .i64: return 8
            case .f32, .i32: return 4
            case .f16, .bf16, .i16: return 2
            case .i8, .u8, .bool: return 1
            }
        }

        /// Converts `count` little-endian elements at `source` (any alignment) to Float32.
        func convert(_ source: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
            func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
                T(littleEndian: source.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
            }
            for i in 0..<count {
                switch self {
                case .f32: out[i] = Float(bitPattern: load(UInt32.self, i))
                case .f64: out[i] = Float(Double(bitPattern: load(UInt64.self, i)))
                case .f16: out[i] = Float(Float16(bitPattern: load(UInt16.self, i)))
                case .bf16: out[i] = Float(bitPattern: UInt32(load(UInt16.self, i)) << 16)
                case .i64: out[i] = Float(load(Int64.self, i))
                case .i32: out[i] = Float(load(Int32.self, i))
                case .i16: out[i] = Float(load(Int16.self, i))
                case .i8: out[i] = Float(load(Int8.self, i))
                case .u8, .bool: out[i] = Float(load(UInt8.self, i))
                }
            }
        }
    }
}

/// Why a safetensors file could not be read.
public typealias SafeTensorsError = FileError

/// The integers of a JSON list, or `nil` when `value` is not a list of whole numbers that
/// fit in `Int` (a header number such as 1e300 or 2^64 is refused rather than converted).
private func wholeNumbers(_ value: Any?) -> [Int]? {
    guard let list = value as? [Any] else { return nil }
    var numbers: [Int] = []
    for element in list {
        guard let number = element as? Int else { return nil }
        numbers.append(number)
    }
    return numbers
}

/// `text` from a header, in quotes, for a message: control characters are escaped so that
/// a corrupt name keeps the message on one line.
private func quoted(_ text: String) -> String {
    "'" + text.unicodeScalars.map { $0.properties.generalCategory == .control ? $0.escaped(asASCII: false) : String($0) }.joined() + "'"
}

/// A JSON string literal for `text`.
private func jsonString(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}
