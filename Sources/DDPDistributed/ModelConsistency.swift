import DDPTensor

/// An error that every rank throws alike, because it comes from a decision all ranks took
/// on the same gathered data (a model mismatch, a failed audit).
///
/// ``RankFailure/run(communicator:_:)`` prints such an error once, from rank 0, instead of
/// once per rank.
public protocol CollectiveError: Error, CustomStringConvertible {}

/// Ranks built different models: a different list of parameter (or buffer) names or shapes.
public struct ModelMismatchError: CollectiveError, Equatable {
    /// The first rank whose model differs from rank 0's.
    public let rank: Int
    /// The first difference, in words.
    public let difference: String

    public init(rank: Int, difference: String) {
        self.rank = rank
        self.difference = difference
    }

    public var description: String {
        "rank \(rank) built a different model than rank 0: \(difference); every rank must build the same model"
    }
}

/// Checks that every rank built a model with the same parameter names and shapes, in the
/// same order.
///
/// One all-gather of a 64-bit hash when the models agree; only when they do not, a second
/// all-gather of the full lists finds the first difference. Every rank takes the same path
/// and throws the same error, so nothing waits for a rank that gave up.
///
/// - Throws: ``ModelMismatchError`` naming the first rank that differs from rank 0 and its
///   first differing name or shape.
public func verifySameModel(namedShapes: [(String, [Int])], communicator: any Communicator) throws {
    let encoded = encode(namedShapes)
    var hash = Fingerprint()
    hash.add(bytes: encoded)
    let hashes = communicator.allGather(hash.bytes)
    guard hashes.contains(where: { $0 != hashes[0] }) else { return }

    let lists = communicator.allGather(encoded).map(decode)
    let reference = lists[0]
    for (rank, list) in lists.enumerated() where rank > 0 {
        if let difference = firstDifference(reference: reference, other: list, rank: rank) {
            throw ModelMismatchError(rank: rank, difference: difference)
        }
    }
    // Hashes differed but the lists decode equal: only possible if a name holds the separators.
    let rank = hashes.firstIndex { $0 != hashes[0] }!
    throw ModelMismatchError(rank: rank, difference: "parameter names differ in characters that cannot be shown")
}

/// Copies `tensors` (parameters, then buffers, in registration order) from rank `root` to
/// every rank, so all replicas start from the same values.
public func broadcastParameters(_ tensors: [Tensor], from root: Int = 0, communicator: any Communicator) {
    for tensor in tensors { communicator.broadcast(tensor, root: root) }
}

private func firstDifference(
    reference: [(name: String, shape: String)], other: [(name: String, shape: String)], rank: Int
) -> String? {
    for (index, (mine, theirs)) in zip(reference, other).enumerated() {
        if mine.name != theirs.name {
            return "entry \(index) is \(quoted(theirs.name)) on rank \(rank) but \(quoted(mine.name)) on rank 0"
        }
        if mine.shape != theirs.shape {
            return "\(mine.name) has shape [\(theirs.shape)] on rank \(rank) but [\(mine.shape)] on rank 0"
        }
    }
    if reference.count != other.count {
        let extra = reference.count > other.count
            ? "rank 0 has \(quoted(reference[other.count].name)) where rank \(rank) ends"
            : "rank \(rank) has \(quoted(other[reference.count].name)) where rank 0 ends"
        return "\(other.count) entries on rank \(rank) but \(reference.count) on rank 0 (\(extra))"
    }
    return nil
}

private func quoted(_ name: String) -> String { "'\(name)'" }

// Names and shapes as text: unit separator between a name and its shape, record separator
// after each entry; module names never contain these control characters.
private let unitSeparator: UInt8 = 0x1F
private let recordSeparator: UInt8 = 0x1E

private func encode(_ namedShapes: [(String, [Int])]) -> [UInt8] {
    var bytes: [UInt8] = []
    for (name, shape) in namedShapes {
        bytes += Array(name.utf8)
        bytes.append(unitSeparator)
        bytes += Array(shape.map(String.init).joined(separator: ", ").utf8)
        bytes.append(recordSeparator)
    }
    return bytes
}

private func decode(_ bytes: [UInt8]) -> [(name: String, shape: String)] {
    bytes.split(separator: recordSeparator, omittingEmptySubsequences: false).dropLast().map { record in
        let parts = record.split(separator: unitSeparator, maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(decoding: parts[0], as: UTF8.self)
        let shape = parts.count > 1 ? String(decoding: parts[1], as: UTF8.self) : ""
        return (name, shape)
    }
}
