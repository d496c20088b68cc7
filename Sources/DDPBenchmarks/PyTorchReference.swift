import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// PyTorch timing the same steps in a persistent `bench/pytorch_reference.py --serve`
/// process: asked over a pipe to run N steps of a workload, it answers with the seconds
/// they took, so that rounds of ours and theirs alternate without paying Python's start-up
/// each round.
///
/// The interpreter is `python3`, or the one `SWIFT_DDP_PYTHON` names.
public final class PyTorchReference {
    /// The environment variable naming the Python interpreter.
    public static let interpreterVariable = "SWIFT_DDP_PYTHON"

    /// torch's version, as the reference reported it.
    public let torchVersion: String
    public let threads: Int
    private let process: Process
    private let requests: FileHandle
    private let replies: LineReader

    /// Starts the reference on `threads` threads and waits until torch is imported.
    public init(threads: Int, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let interpreter = environment[Self.interpreterVariable].flatMap { $0.isEmpty ? nil : $0 } ?? "python3"
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("bench/pytorch_reference.py").path
        guard FileManager.default.fileExists(atPath: script) else {
            throw PyTorchReferenceError("--compare-pytorch needs \(script), which is not there; run the benchmark from a checkout of swift-ddp")
        }
        // A reference that dies must become an error here, not a SIGPIPE that ends the benchmark.
        signal(SIGPIPE, SIG_IGN)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [interpreter, script, "--serve", "--threads", String(threads)]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        requests = input.fileHandleForWriting
        replies = LineReader(output.fileHandleForReading)
        self.threads = threads
        let advice = "set \(Self.interpreterVariable) to a Python 3 with torch (pip install torch), or drop --compare-pytorch"
        do {
            try process.run()
        } catch {
            throw PyTorchReferenceError("--compare-pytorch could not start '\(interpreter)': \(error.localizedDescription); \(advice)")
        }
        guard let ready = replies.nextObject() else {
            process.waitUntilExit()
            throw PyTorchReferenceError("--compare-pytorch could not run '\(interpreter)' (exit status \(process.terminationStatus)); \(advice)")
        }
        if let problem = ready["error"] as? String {
            throw PyTorchReferenceError("--compare-pytorch needs torch in '\(interpreter)': \(problem); \(advice)")
        }
        torchVersion = ready["torch"] as? String ?? "unknown"
    }

    deinit {
        try? requests.close()
        process.waitUntilExit()
    }

    /// Seconds PyTorch took for `steps` steps of `workload` (built, and warmed up by three
    /// steps, on its first request).
    public func seconds(_ workload: String, steps: Int) throws -> Double {
        let request = "{\"workload\": \"\(workload)\", \"steps\": \(steps)}\n"
        do {
            try requests.write(contentsOf: Data(request.utf8))
        } catch {
            throw PyTorchReferenceError("the PyTorch reference stopped before timing \(workload)")
        }
        guard let reply = replies.nextObject() else {
            throw PyTorchReferenceError("the PyTorch reference stopped while timing \(workload)")
        }
        guard let seconds = reply["seconds"] as? Double else {
            throw PyTorchReferenceError("the PyTorch reference could not time \(workload): \(reply["error"] as? String ?? "no figure")")
        }
        return seconds
    }

    /// What the figures are compared with, in words.
    public var description: String { "PyTorch \(torchVersion) eager, same model, batch, optimizer and \(threads) thread(s)" }
}

/// Why PyTorch's side of `--compare-pytorch` cannot be measured, in one line.
public struct PyTorchReferenceError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The JSON objects a pipe carries, one a line.
private final class LineReader {
    private let handle: FileHandle
    private var buffer = Data()

    init(_ handle: FileHandle) { self.handle = handle }

    /// The next line that holds a JSON object, or nil at the end of the stream.
    func nextObject() -> [String: Any]? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[(newline + 1)...])
                if let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any] { return object }
                continue   // not ours: a line some library printed
            }
            let chunk = handle.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }
}
