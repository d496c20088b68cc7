#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a failure on one rank into one line of text and the end of every rank, so that no
/// rank waits forever in a collective for a rank that gave up.
///
///     let comm = makeCommunicator()
///     RankFailure.installSignalHandlers(rank: comm.rank)
///     RankFailure.run(communicator: comm) {
///         try trainer.fit(module, data: data)
///     }
public enum RankFailure {
    /// The exit status of a job ended by an error.
    public static let exitCode: Int32 = 1

    /// Runs this rank's work. An error it throws prints one line,
    /// `swift-ddp: rank R: <error>`, on stderr and ends all ranks (`MPI_Abort`).
    ///
    /// A ``CollectiveError`` is thrown alike by every rank, so only rank 0 prints it (as
    /// `swift-ddp: <error>`, which names the ranks concerned). Under MPI the ranks then end
    /// together through `MPI_Finalize` (no abort banner), or by `MPI_Abort` when some rank
    /// has not arrived within `collectiveGrace` seconds; elsewhere rank 0 ends every rank.
    public static func run<T>(
        communicator: any Communicator, collectiveGrace: Double = 10, _ body: () throws -> T
    ) -> T {
        do {
            return try body()
        } catch let error as CollectiveError {
            if let mpi = communicator as? MPICommunicator {
                if mpi.rank == 0 { writeToStandardError("swift-ddp: \(error.description.escapingControlCharacters)\n") }
                mpi.exitTogether(code: exitCode, within: collectiveGrace)
            }
            if communicator.rank == 0 {
                communicator.abort(message: "swift-ddp: \(error.description.escapingControlCharacters)", code: exitCode)
            }
            usleep(useconds_t(max(0, collectiveGrace) * 1_000_000))
            communicator.abort(message: "swift-ddp: rank \(communicator.rank): \(error.description.escapingControlCharacters)", code: exitCode)
        } catch {
            communicator.abort(message: message(for: error, rank: communicator.rank), code: exitCode)
        }
    }

    /// The line printed for `error` thrown on `rank`.
    public static func message(for error: Error, rank: Int) -> String {
        "swift-ddp: rank \(rank): \(String(describing: error).escapingControlCharacters)"
    }

    /// Makes a crash (a failed precondition, a bad memory access) print one line naming the
    /// rank before the process dies of its signal; `mpirun` then ends the other ranks.
    ///
    /// Call after MPI is initialised: it replaces Open MPI's own handlers, which print a
    /// backtrace but not which rank's code failed.
    public static func installSignalHandlers(rank: Int) {
        let signals: [(Int32, String)] = [
            (SIGSEGV, "SIGSEGV (bad memory access)"), (SIGBUS, "SIGBUS (bad memory access)"),
            (SIGILL, "SIGILL (a failed precondition or fatal error)"),
            (SIGTRAP, "SIGTRAP (a failed precondition or fatal error)"),
            (SIGFPE, "SIGFPE (arithmetic error)"), (SIGABRT, "SIGABRT (aborted)"),
        ]
        for (signal, name) in signals where signal < crashMessages.count {
            let line = "swift-ddp: rank \(rank): crashed with signal \(name)\n"
            // Prepared now: the handler may only call async-signal-safe functions.
            crashMessages[Int(signal)] = Array(line.utf8)
            installOneShotHandler(signal, crashHandler)
        }
    }
}

/// Lines the crash handler writes, by signal number.
// Safe: written once per signal before its handler is installed, only read by the handler.
nonisolated(unsafe) private var crashMessages = [[UInt8]](repeating: [], count: 64)

/// Makes `handler` run once for `signal`; the default action is back in place when it runs,
/// so that re-raising the signal ends the process with it.
func installOneShotHandler(_ signal: Int32, _ handler: @escaping @convention(c) (Int32) -> Void) {
    var action = sigaction()
    #if canImport(Glibc)
    action.__sigaction_handler.sa_handler = handler
    #else
    action.__sigaction_u.__sa_handler = handler
    #endif
    sigemptyset(&action.sa_mask)
    action.sa_flags = Int32(truncatingIfNeeded: SA_RESETHAND)
    sigaction(signal, &action, nil)
}

private func crashHandler(_ signal: Int32) {
    PeerDeathReport.noteReported()
    if signal >= 0 && Int(signal) < crashMessages.count {
        crashMessages[Int(signal)].withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
    }
    raise(signal)
}
