import Foundation

/// What a finished (or killed) job left behind.
public struct JobResult: CustomStringConvertible {
    public let exitCode: Int32
    public let standardOutput: String
    public let standardError: String
    /// Wall-clock seconds from start to exit.
    public let seconds: Double
    /// `true` when the job ran past its timeout and was killed.
    public let timedOut: Bool

    /// The JSON objects printed one per line on standard output (other lines are skipped).
    public var jsonLines: [[String: Any]] {
        standardOutput.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("{") else { return nil }
            return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    public var description: String {
        "exit \(exitCode) after \(String(format: "%.1f", seconds)) s\(timedOut ? " (timed out, killed)" : "")\n"
            + "stdout: \(standardOutput.suffix(2000))\nstderr: \(standardError.suffix(2000))"
    }
}

/// Starts the project's built executables, alone or as `mpirun` jobs, from tests.
///
/// Multi-rank behaviour cannot be tested inside the test process (MPI initialises once per
/// process), so tests run the release binaries under `mpirun` and read what they print.
/// Every job has a timeout: a hang fails the test instead of blocking the run. The timeout
/// is a hang guard only, never what a test checks: it is many times the job's usual
/// length, because a loaded CI machine can be five times slower or more.
public enum MPIJob {
    /// The hang guard of a job that names none: ten minutes, far beyond any job of the suite
    /// (the longest take under a minute on an idle 2-core machine).
    public static let defaultTimeout: Double = 600

    /// The release binary `name` of this package (`.build/release/name`), found from this
    /// source file's location.
    public static func binary(_ name: String, filePath: String = #filePath) -> String {
        projectRoot(filePath: filePath) + "/.build/release/\(name)"
    }

    /// Runs `binary` with `arguments` on `ranks` ranks under `mpirun`, or directly as one
    /// process when `ranks` is `nil`.
    ///
    /// The environment is stripped of the `OMPI_*`, `PMIX_*` and `OPAL_*` variables a process
    /// inside an MPI job would pass on (they make a new `mpirun` exit silently); one BLAS
    /// thread per rank; `--oversubscribe` when ranks outnumber cores; `--allow-run-as-root`
    /// as root; `-q` so that an abort prints the rank's own message without Open MPI's banner.
    /// `environment` is added to the process's (and passed to every rank).
    public static func run(
        _ binary: String, _ arguments: [String], ranks: Int?, timeout: Double = defaultTimeout, environment extra: [String: String] = [:]
    ) throws -> JobResult {
        let process = Process()
        if let ranks {
            var launcher = ["-q", "-np", String(ranks), "-x", "OPENBLAS_NUM_THREADS=1"]
            for name in extra.keys.sorted() { launcher += ["-x", name] }
            if getuid() == 0 { launcher.insert("--allow-run-as-root", at: 0) }
            if ranks > ProcessInfo.processInfo.activeProcessorCount { launcher.insert("--oversubscribe", at: 0) }
            process.executableURL = URL(fileURLWithPath: try mpirunPath())
            process.arguments = launcher + [binary] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
        }
        return try start(process, binary: binary, environment: extra, timeout: timeout)
    }

    /// Runs `binary` with `arguments` on a cluster simulated on this machine by
    /// `launch/cluster`: `hosts` network namespaces with `ranksPerHost` ranks each, talking
    /// TCP only, each link limited to `rate` (`1gbit`, ...) when given. Needs root.
    /// Standard error ends with the script's transport and link-bytes lines.
    public static func runOnCluster(
        _ binary: String, _ arguments: [String], hosts: Int, ranksPerHost: Int = 1, rate: String? = nil,
        launcherOptions: [String] = [],
        timeout: Double = defaultTimeout, environment extra: [String: String] = [:], filePath: String = #filePath
    ) throws -> JobResult {
        try runOnCluster(binary, arguments, ranksOnHosts: Array(repeating: ranksPerHost, count: hosts), rate: rate,
                         launcherOptions: launcherOptions, timeout: timeout, environment: extra, filePath: filePath)
    }

    /// As ``runOnCluster(_:_:hosts:ranksPerHost:rate:launcherOptions:timeout:environment:filePath:)``,
    /// with `ranksOnHosts[h]` ranks on host h, so hosts can differ (`[2, 1]`: ranks 0 and 1 on
    /// the first host, rank 2 on the second). `launcherOptions` go to `launch/cluster` as they
    /// are (`--fault kill:2`, ...).
    public static func runOnCluster(
        _ binary: String, _ arguments: [String], ranksOnHosts: [Int], rate: String? = nil, launcherOptions: [String] = [],
        timeout: Double = defaultTimeout, environment extra: [String: String] = [:], filePath: String = #filePath
    ) throws -> JobResult {
        var launcher = ["--hosts", String(ranksOnHosts.count),
                        "--ranks-per-host", ranksOnHosts.map(String.init).joined(separator: ",")] + launcherOptions
        if let rate { launcher += ["--rate", rate] }
        for (name, value) in extra.sorted(by: { $0.key < $1.key }) { launcher += ["--env", "\(name)=\(value)"] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [projectRoot(filePath: filePath) + "/launch/cluster"] + launcher + ["--", binary] + arguments
        return try start(process, binary: binary, environment: extra, timeout: timeout)
    }

    /// Whether this machine can simulate a cluster: root, with `ip` and `tc`.
    public static var canSimulateCluster: Bool {
        getuid() == 0 && ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The package's root folder, from this source file's location.
    static func projectRoot(filePath: String = #filePath) -> String {
        var root = URL(fileURLWithPath: filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }  // Tests/Support/MPIJob.swift
        return root.path
    }

    private static func start(_ process: Process, binary: String, environment extra: [String: String], timeout: Double) throws -> JobResult {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw MPIJobError(description: "\(binary) is not built; run `swift build -c release` first")
        }
        var environment = ProcessInfo.processInfo.environment.filter { name, _ in
            !(name.hasPrefix("OMPI_") || name.hasPrefix("PMIX_") || name.hasPrefix("OPAL_"))
        }
        environment["OPENBLAS_NUM_THREADS"] = "1"
        environment.merge(extra) { _, new in new }
        process.environment = environment

        // Files, not pipes: a chatty job can never block on a full pipe.
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("mpijob-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout")
        let errURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice

        let start = Date()
        try process.run()
        var timedOut = false
        while process.isRunning {
            if Date().timeIntervalSince(start) > timeout {
                timedOut = true
                // mpirun passes SIGTERM on to its ranks; SIGKILL (ranks first) if it does not go quietly.
                process.terminate()
                let grace = Date()
                while process.isRunning && Date().timeIntervalSince(grace) < 1 { usleep(50_000) }
                if process.isRunning {
                    // Ranks of a killed mpirun would be orphaned: kill its descendants first.
                    let pid = process.processIdentifier
                    for child in descendants(of: pid) { kill(child, SIGKILL) }
                    kill(pid, SIGKILL)
                }
                break
            }
            usleep(20_000)
        }
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        try out.close()
        try err.close()
        return JobResult(
            exitCode: process.terminationStatus,
            standardOutput: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "",
            seconds: seconds, timedOut: timedOut)
    }

    /// Every process below `root`, from Linux's `/proc` (empty elsewhere).
    static func descendants(of root: pid_t) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var parents: [pid_t: pid_t] = [:]
        for entry in entries {
            guard let pid = pid_t(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // After "pid (name) state ppid ...": the name may hold spaces, so start after ')'.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = pid_t(fields[1]) { parents[pid] = parent }
        }
        var found: [pid_t] = []
        var frontier = [root]
        while let next = frontier.popLast() {
            let children = parents.filter { $0.value == next }.map(\.key).sorted()
            found += children
            frontier += children
        }
        return found
    }

    /// The `mpirun` on `PATH`.
    public static func mpirunPath() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/mpirun"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw MPIJobError(description: "mpirun is not on PATH; install openmpi-bin")
    }
}

/// Why a job could not be started.
public struct MPIJobError: Error, CustomStringConvertible {
    public let description: String
}
