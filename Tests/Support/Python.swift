import Foundation

/// Runs a Python snippet with `python3` and returns its standard output; fails with
/// Python's error output. Interoperability tests use it to read our files with the
/// reference implementations (`launch/test` installs the packages they import).
public func runPython(_ script: String, arguments: [String] = []) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw PythonError(message: String(decoding: err, as: UTF8.self))
    }
    return String(decoding: out, as: UTF8.self)
}

public struct PythonError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { "python3 failed: \(message)" }
}

/// A fresh empty folder under the system's temporary folder.
public func makeTemporaryFolder(_ label: String = "swift-ddp-test") throws -> String {
    let path = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
