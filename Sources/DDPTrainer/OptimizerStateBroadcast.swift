import DDPDistributed
import DDPOptim
import DDPTensor
import Foundation

/// Copies rank 0's optimizer state (per-parameter buffers, group hyper-parameters) to every
/// rank, as ``Trainer/fit(_:train:validation:)`` does with the parameters at its start, so a
/// state restored or changed on rank 0 alone cannot make the replicas drift. A collective.
func broadcastState(of optimizer: any Optimizer, communicator: any Communicator) throws {
    guard communicator.worldSize > 1 else { return }
    var bytes = communicator.isRoot ? try OptimizerStateBytes.encode(optimizer.stateDict()) : []
    var length = UInt64(bytes.count)
    withUnsafeMutableBytes(of: &length) { communicator.broadcast($0, root: 0) }
    if !communicator.isRoot { bytes = [UInt8](repeating: 0, count: Int(length)) }
    bytes.withUnsafeMutableBytes { communicator.broadcast($0, root: 0) }
    if !communicator.isRoot { try optimizer.load(stateDict: OptimizerStateBytes.decode(bytes)) }
}

/// A self-contained binary form of an ``OptimizerStateDict``: the JSON metadata, then each
/// tensor (sorted by name) as name, element type, shape and raw little-endian values.
enum OptimizerStateBytes {
    static func encode(_ state: OptimizerStateDict) throws -> [UInt8] {
        var out: [UInt8] = []
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { out += $0 } }
        let json = try JSONEncoder().encode(state.metadata)
        append(UInt64(json.count))
        out += json
        let tensors = state.namedTensors.sorted { $0.key < $1.key }
        append(UInt64(tensors.count))
        for (name, value) in tensors {
            let utf8 = Array(name.utf8)
            append(UInt64(utf8.count))
            out += utf8
            switch value {
            case .tensor(let tensor):
                out.append(0)
                append(UInt64(tensor.shape.count))
                for dimension in tensor.shape { append(UInt64(dimension)) }
                out += UnsafeRawBufferPointer(start: tensor.data, count: tensor.count * 4)
            case .doubles(let values, let shape):
                out.append(1)
                append(UInt64(shape.count))
                for dimension in shape { append(UInt64(dimension)) }
                values.withUnsafeBytes { out += $0 }
            case .number:
                preconditionFailure("numbers travel in the metadata")
            }
        }
        return out
    }

    static func decode(_ bytes: [UInt8]) throws -> OptimizerStateDict {
        var position = 0
        func read(_ count: Int) -> ArraySlice<UInt8> {
            precondition(position + count <= bytes.count, "optimizer state bytes end early")
            defer { position += count }
            return bytes[position..<(position + count)]
        }
        func readInt() -> Int {
            Int(read(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        }
        let metadata = try JSONDecoder().decode(OptimizerStateDict.Metadata.self, from: Data(read(readInt())))
        var tensors: [String: StateValue] = [:]
        for _ in 0..<readInt() {
            let name = String(decoding: read(readInt()), as: UTF8.self)
            let kind = read(1).first!
            let shape = (0..<readInt()).map { _ in readInt() }
            let count = shape.reduce(1, *)
            if kind == 0 {
                let tensor = Tensor.zeros(shape)
                read(count * 4).withUnsafeBytes { raw in
                    if count > 0 { UnsafeMutableRawPointer(tensor.data).copyMemory(from: raw.baseAddress!, byteCount: count * 4) }
                }
                tensors[name] = .tensor(tensor)
            } else {
                var values = [Double](repeating: 0, count: count)
                read(count * 8).withUnsafeBytes { raw in values.withUnsafeMutableBytes { $0.copyMemory(from: raw) } }
                tensors[name] = .doubles(values, shape: shape)
            }
        }
        return try OptimizerStateDict(metadata: metadata, namedTensors: tensors)
    }
}
