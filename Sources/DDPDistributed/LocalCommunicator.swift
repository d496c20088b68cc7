#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A world of one process with no MPI at all: every collective is the identity.
///
/// This is the single-process debug mode; code above the communicator runs unchanged.
public final class LocalCommunicator: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var worldSize: Int { 1 }
    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, _ operation: ReduceOperation) {}
    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Double>, _ operation: ReduceOperation) {}
    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) {
        precondition(root == 0, "broadcast root \(root) does not exist in a world of one")
    }
    public func allGather(_ bytes: [UInt8]) -> [[UInt8]] { [bytes] }
    public func barrier() {}
    public func abort(message: String, code: Int32) -> Never {
        writeToStandardError(message + "\n")
        exit(code)
    }
}
