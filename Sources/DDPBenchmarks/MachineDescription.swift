import CBLAS
import CMPI
import DDPTensor
import Foundation

/// The machine a benchmark ran on, printed with its figures so that they can be compared.
public struct MachineDescription: Sendable {
    public let cores: Int
    /// OpenBLAS's build configuration (version, kernel, threading).
    public let blas: String
    public let blasThreads: Int
    public let mpiLibrary: String
    public let swiftVersion: String
    public let hostname: String
    /// When the run started, ISO 8601 in UTC.
    public let date: String
    /// Ranks of the job (1 outside `mpirun`).
    public let ranks: Int

    /// This machine now, in a job of `ranks` ranks.
    public static func current(ranks: Int) -> MachineDescription {
        MachineDescription(
            cores: ProcessInfo.processInfo.activeProcessorCount,
            blas: openblas_get_config().map { String(cString: $0).trimmingCharacters(in: .whitespaces) } ?? "unknown",
            blasThreads: BLAS.threadCount, mpiLibrary: mpiLibraryVersion(), swiftVersion: swiftVersion,
            hostname: ProcessInfo.processInfo.hostName,
            date: ISO8601DateFormatter().string(from: Date()), ranks: ranks)
    }

    public var jsonObject: [String: Any] {
        ["cores": cores, "blas": blas, "blas_threads": blasThreads, "mpi": mpiLibrary, "swift": swiftVersion,
         "hostname": hostname, "date": date, "ranks": ranks]
    }

    /// The first part of `MPI_Get_library_version`'s text (`Open MPI v4.1.6`); MPI allows
    /// the call before `MPI_Init`.
    private static func mpiLibraryVersion() -> String {
        var text = [CChar](repeating: 0, count: Int(MPI_MAX_LIBRARY_VERSION_STRING) + 1)
        var length: Int32 = 0
        guard MPI_Get_library_version(&text, &length) == swiftddp_success() else { return "unknown" }
        let full = String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return full.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? full
    }

    /// The version of the compiler that built this binary.
    private static var swiftVersion: String {
        #if compiler(>=6.5)
        "6.5 or later"
        #elseif compiler(>=6.4)
        "6.4"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #elseif compiler(>=6.1)
        "6.1"
        #else
        "6.0"
        #endif
    }
}
