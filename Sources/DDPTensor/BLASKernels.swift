import CBLAS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension BLAS {
    /// The kernels OpenBLAS runs (`Haswell`, `SkylakeX`, ...), as `OPENBLAS_VERBOSE=2` prints them.
    public static var kernels: String {
        _ = kernelChoice
        return openblas_get_corename().map { String(cString: $0) } ?? "unknown"
    }

    /// OpenBLAS's build and kernels in one line (`OpenBLAS 0.3.21 ... SkylakeX MAX_THREADS=64`).
    public static var configuration: String {
        _ = kernelChoice
        return openblas_get_config().map { String(String(cString: $0).drop(while: { $0 == " " })) } ?? "unknown"
    }

    /// Made once, before the first sgemm: OpenBLAS up to 0.3.26 does not know AMD's Zen 5
    /// (and 0.3.21, Debian 12's, not Zen 4), so it runs them on its AVX2 kernels (`Haswell`)
    /// although they execute AVX-512. There its AVX-512 kernels (`SkylakeX`, which later
    /// releases choose for these CPUs) ran MLP-S's GEMMs 1.8 times as fast (BENCHMARKS.md).
    /// A kernel choice in `OPENBLAS_CORETYPE` is left as it is.
    ///
    /// `true` when it chose the AVX-512 kernels. A value rather than `Void`, which the
    /// compiler may read without running the choice.
    static let kernelChoice: Bool = {
        guard getenv("OPENBLAS_CORETYPE") == nil,
              let chosen = openblas_get_corename().map({ String(cString: $0) }),
              ["Haswell", "Zen"].contains(chosen), cpuRunsAVX512() else { return false }
        return swiftddp_openblas_choose_core("SkylakeX") != 0
    }()

    /// Whether the CPU and the kernel run the AVX-512 instructions of OpenBLAS's SkylakeX
    /// kernels (Linux lists a feature only when the kernel saves its registers).
    private static func cpuRunsAVX512() -> Bool {
        guard let file = fopen("/proc/cpuinfo", "r") else { return false }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let text = line.map({ String(cString: $0) }) {
            guard text.hasPrefix("flags") else { continue }
            let flags = Set(text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init))
            return ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains)
        }
        return false
    }
}
