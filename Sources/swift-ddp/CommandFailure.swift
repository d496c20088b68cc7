import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a subcommand's work; a failure becomes one line `swift-ddp: error: ...` on standard
/// error and exit status 1, without a stack trace or usage text.
func reportingFailure(_ body: () throws -> Void) throws {
    do { try body() } catch let exit as ExitCode {
        throw exit
    } catch {
        fputs("swift-ddp: error: \(error)\n", stderr)
        throw ExitCode(1)
    }
}
