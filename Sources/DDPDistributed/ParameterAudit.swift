import DDPTensor

/// A 64-bit hash of bytes, eight at a time (not cryptographic: it tells replicas apart).
public struct Fingerprint: Equatable {
    /// The hash so far.
    public private(set) var value: UInt64 = 0x9E37_79B9_7F4A_7C15

    public init() {}

    /// Mixes in `count` bytes from `start`.
    public mutating func add(_ start: UnsafeRawPointer, byteCount count: Int) {
        var h = value ^ UInt64(truncatingIfNeeded: count)
        let words = count / 8
        for i in 0..<words {
            h = Fingerprint.mix(h, start.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
        }
        var tail: UInt64 = 0
        for i in (8 * words)..<count {
            tail = tail << 8 | UInt64(start.load(fromByteOffset: i, as: UInt8.self))
        }
        h = Fingerprint.mix(h, tail)
        value = h
    }

    /// Mixes in a byte array.
    public mutating func add(bytes: [UInt8]) {
        bytes.withUnsafeBytes { add($0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, byteCount: $0.count) }
    }

    /// Mixes in a tensor's shape and elements.
    public mutating func add(_ tensor: Tensor) {
        var header = [UInt8]()
        for size in tensor.shape { withUnsafeBytes(of: UInt64(size).littleEndian) { header += $0 } }
        add(bytes: header)
        add(UnsafeRawPointer(tensor.data), byteCount: tensor.count * MemoryLayout<Float>.stride)
    }

    /// The value as eight little-endian bytes.
    public var bytes: [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    /// One round of xxHash64's accumulate step: every input bit reaches every output bit.
    @inline(__always)
    private static func mix(_ h: UInt64, _ word: UInt64) -> UInt64 {
        var x = h &+ word &* 0xC2B2_AE3D_27D4_EB4F
        x = (x << 31) | (x >> 33)
        return x &* 0x9E37_79B1_85EB_CA87
    }
}

extension Fingerprint {
    /// The hash of all of `tensors`' shapes and element bytes, in order.
    public static func of(_ tensors: [Tensor]) -> Fingerprint {
        var fingerprint = Fingerprint()
        for tensor in tensors { fingerprint.add(tensor) }
        return fingerprint
    }
}

/// The hash of all of `tensors`' shapes and element bytes, in order.
public func parameterFingerprint(_ tensors: [Tensor]) -> UInt64 { Fingerprint.of(tensors).value }

/// What an audit found different across replicas.
public enum AuditedState: String, Sendable, Equatable {
    case parameters
    /// Buffers such as BatchNorm running statistics.
    case buffers
    case parametersAndBuffers = "parameters and buffers"
}

/// Replicas no longer hold the same parameters (or buffers).
public struct ParameterAuditError: CollectiveError, Equatable {
    /// The step at which the difference was seen.
    public let step: Int
    /// The ranks whose parameters or buffers differ from rank 0's.
    public let differingRanks: [Int]
    /// The number of ranks.
    public let worldSize: Int
    /// Which state differs.
    public let subject: AuditedState

    public init(step: Int, differingRanks: [Int], worldSize: Int, subject: AuditedState = .parameters) {
        self.step = step
        self.differingRanks = differingRanks
        self.worldSize = worldSize
        self.subject = subject
    }

    public var description: String {
        let ranks = differingRanks.map(String.init).joined(separator: ", ")
        let holders = differingRanks.count == 1 ? "rank \(ranks) holds" : "ranks \(ranks) hold"
        return "\(subject.rawValue) differ across ranks at step \(step): \(holders) different values than rank 0 "
            + "(of \(worldSize) ranks); replicas must stay bitwise identical"
    }
}

/// Checks every `interval` steps that all ranks hold bitwise-identical parameters and
/// buffers, by comparing a 64-bit hash of each's bytes (one all-gather of 16 bytes per rank).
///
///     let audit = ParameterAudit(parameters: model.parameters(), buffers: model.namedBuffers().map(\.tensor),
///                                communicator: comm, interval: 100)
///     for step in 0..<steps { ...; try audit.check(step: step) }
public final class ParameterAudit {
    /// The audited parameters, in registration order.
    public let parameters: [Tensor]
    /// The audited buffers (BatchNorm running statistics, ...), in registration order.
    public let buffers: [Tensor]
    public let communicator: any Communicator
    /// Steps between two checks; step 0 is checked.
    public let interval: Int

    public init(parameters: [Tensor], buffers: [Tensor] = [], communicator: any Communicator, interval: Int) {
        precondition(interval > 0, "the audit interval must be at least 1 step, got \(interval)")
        self.parameters = parameters
        self.buffers = buffers
        self.communicator = communicator
        self.interval = interval
    }

    /// Compares the parameters across ranks when `step` is a multiple of ``interval``; a
    /// collective then, so every rank must call it with the same steps.
    ///
    /// - Throws: ``ParameterAuditError`` on every rank when some rank's hash differs.
    public func check(step: Int) throws {
        guard step % interval == 0 else { return }
        try checkNow(step: step)
    }

    /// Compares the parameters across ranks now, whatever the step.
    public func checkNow(step: Int) throws {
        let hashes = communicator.allGather(Fingerprint.of(parameters).bytes + Fingerprint.of(buffers).bytes)
        let parametersDiffer = hashes.map { $0.prefix(8) != hashes[0].prefix(8) }
        let buffersDiffer = hashes.map { $0.suffix(8) != hashes[0].suffix(8) }
        let differing = hashes.indices.filter { parametersDiffer[$0] || buffersDiffer[$0] }
        guard !differing.isEmpty else { return }
        let subject: AuditedState = !buffersDiffer.contains(true) ? .parameters
            : parametersDiffer.contains(true) ? .parametersAndBuffers : .buffers
        throw ParameterAuditError(step: step, differingRanks: differing, worldSize: communicator.worldSize, subject: subject)
    }
}
