import DDPTensor
#if canImport(Glibc)
import CMalloc
import Glibc
#endif

/// Where this process's resident memory is at one moment, by kind (Linux; zeros elsewhere):
/// the kernel's counts from `/proc/self/status` and glibc's heap from `mallinfo2`.
public struct MemorySnapshot {
    /// Resident bytes now (`VmRSS`) and at most so far (`VmHWM`).
    public var resident = 0, peakResident = 0
    /// Resident private anonymous memory: the heap, thread stacks, OpenBLAS's buffers.
    public var anonymous = 0
    /// Resident pages of mapped files: the program, its libraries, their data.
    public var file = 0
    /// Resident shared memory: the gradient buckets' window and Open MPI's segments.
    public var shared = 0
    /// Bytes malloc has handed out and not had back.
    public var heapInUse = 0
    /// Bytes freed into malloc's arenas and kept there for the next allocation.
    public var heapFree = 0
    /// Bytes of freed large tensors kept for reuse (``TensorStorage/cachedBytesForReuse``).
    public var tensorCache = 0

    /// The figures of this moment.
    public static func now() -> MemorySnapshot {
        var snapshot = MemorySnapshot()
        #if canImport(Glibc)
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            for line in status.split(separator: "\n") {
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard fields.count >= 2, let kilobytes = Int(fields[1]) else { continue }
                switch fields[0] {
                case "VmRSS:": snapshot.resident = kilobytes * 1024
                case "VmHWM:": snapshot.peakResident = kilobytes * 1024
                case "RssAnon:": snapshot.anonymous = kilobytes * 1024
                case "RssFile:": snapshot.file = kilobytes * 1024
                case "RssShmem:": snapshot.shared = kilobytes * 1024
                default: break
                }
            }
        }
        snapshot.tensorCache = TensorStorage.cachedBytesForReuse
        let info = mallinfo2()
        snapshot.heapInUse = Int(info.uordblks) + Int(info.hblkhd)
        snapshot.heapFree = Int(info.fordblks)
        #endif
        return snapshot
    }

    /// Resident memory by kind, and the heap's and tensor cache's shares of it, as the
    /// `details` of a benchmark result (`file`, `shared`, `anonymous`, `heap_free`, `tensor_cache`).
    public var breakdown: [(key: String, value: Int)] {
        [("resident", resident), ("file", file), ("shared", shared), ("anonymous", anonymous),
         ("heap_in_use", heapInUse), ("heap_free", heapFree), ("tensor_cache", tensorCache)]
    }

    /// The figures in MiB, in one line.
    public var description: String {
        func mib(_ bytes: Int) -> String { Measurement.format(Double(bytes) / 1_048_576, digits: 1) }
        return "resident \(mib(resident)) (peak \(mib(peakResident))): anonymous \(mib(anonymous)), file \(mib(file)), "
            + "shared \(mib(shared)); heap in use \(mib(heapInUse)), free in the heap \(mib(heapFree)), "
            + "tensor cache \(mib(tensorCache))"
    }
}
