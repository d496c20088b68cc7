import DDPTestSupport
import Foundation
import Testing

/// A checkpoint whose header shape overflows when multiplied out (`[32, 9223372036854775807]`)
/// once crashed every command that reads one; each now refuses it with one line.
@Suite struct OverflowingCheckpointTests {
    static func overflowingCheckpoint() throws -> String {
        var header = Array(#"{"w":{"dtype":"F32","shape":[32,9223372036854775807],"data_offsets":[0,8]}}"#.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        let path = try makeTemporaryFolder() + "/overflow.safetensors"
        try (data + Data(header) + Data(count: 8)).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: [
        ["inspect", "FILE"], ["validate", "--checkpoint", "FILE", "--data", "digits"], ["test", "--checkpoint", "FILE"],
        ["predict", "--checkpoint", "FILE", "--data", "digits", "--out", "FILE.csv"],
        ["--resume", "FILE", "--max-epochs", "1", "--data", "digits"], ["--init-from", "FILE", "--max-epochs", "1", "--data", "digits"],
        ["export", "FILE", "--out", "FILE.out"],
    ])
    func everyCommandThatReadsItRefusesIt(arguments: [String]) throws {
        let path = try Self.overflowingCheckpoint()
        let log = (path as NSString).deletingLastPathComponent + "/logs"
        let result = try CLIRun.run(arguments.map { $0.replacingOccurrences(of: "FILE", with: path) } + (arguments[0].hasPrefix("--") ? ["--log-dir", log] : []),
                                    timeout: 60)
        #expect(result.exitCode != 0 && !result.timedOut, "\(result)")
        let lines = CLIRun.errorLines(result)
        #expect(lines.count == 1, "\(result)")
        #expect(lines.first?.contains("[32, 9223372036854775807], too large") == true, "\(result)")
        #expect(!result.standardError.contains("Fatal error") && !result.standardError.contains("crashed"), "\(result)")
    }
}
