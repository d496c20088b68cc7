import CBLAS

/// Thin, row-major wrappers over OpenBLAS.
public enum BLAS {
    /// `C = alpha * op(A) * op(B) + beta * C`, row-major, where op(X) is X or its transpose.
    /// `A` is `m x k` after op, `B` is `k x n` after op, `C` is `m x n`.
    @inline(__always)
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        beta: Float, c: UnsafeMutablePointer<Float>
    ) {
        gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
             a: a, lda: transposeA ? m : k, b: b, ldb: transposeB ? k : n, beta: beta, c: c, ldc: n)
    }

    /// ``gemm(transposeA:transposeB:m:n:k:alpha:a:b:beta:c:)`` on matrices whose rows lie
    /// `lda`, `ldb` and `ldc` elements apart: blocks of wider matrices, such as one attention
    /// head's columns of the packed query, key and value projections.
    @inline(__always)
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            // An empty inner dimension contributes nothing; only beta applies.
            for row in 0..<m {
                let r = c + row * ldc
                if beta == 0 { r.update(repeating: 0, count: n) } else if beta != 1 {
                    for i in 0..<n { r[i] *= beta }
                }
            }
            return
        }
        let profile = Profile.current
        let started = profile == nil ? 0 : MonotonicClock.seconds()
        defer { profile?.record(seconds: MonotonicClock.seconds() - started, flops: 2 * Double(m) * Double(n) * Double(k)) }
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The sgemm calls and their time during the work it measures (benchmarks only):
    ///
    ///     let profile = BLAS.Profile()
    ///     profile.measure { step() }
    ///     print(profile.seconds, profile.calls)
    public final class Profile: @unchecked Sendable {
        // Safe to share as a task-local value: it is bound to the work of one thread, the
        // only one that records into it, and read after that work.
        public private(set) var calls = 0
        public private(set) var seconds = 0.0
        public private(set) var flops = 0.0

        public init() {}

        /// The profile that sgemm calls of the work in progress record into, if any.
        @TaskLocal static var current: Profile?

        /// Runs `body`, adding its sgemm calls to this profile.
        public func measure<Result>(_ body: () throws -> Result) rethrows -> Result {
            try Profile.$current.withValue(self, operation: body)
        }

        func record(seconds elapsed: Double, flops work: Double) {
            calls += 1
            seconds += elapsed
            flops += work
        }
    }

    /// The number of threads OpenBLAS uses (set by `OPENBLAS_NUM_THREADS` or ``setThreadCount(_:)``).
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// Sets the number of threads OpenBLAS uses.
    public static func setThreadCount(_ count: Int) { openblas_set_num_threads(Int32(count)) }
}
