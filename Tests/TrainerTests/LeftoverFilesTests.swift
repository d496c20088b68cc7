import DDPTestModels
import DDPTestSupport
import Foundation
import SwiftDDP
import Testing

/// What killed runs leave in a checkpoint folder is removed by the next run: temporary files
/// of writers that no longer run, and checkpoints whose eviction a kill interrupted.
@Suite struct LeftoverFilesTests {
    /// The pid of a process that has ended (started and waited for).
    func endedProcessID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    @Test func temporariesOfEndedWritersAreRemovedAndLiveOnesKept() throws {
        let folder = try makeTemporaryFolder()
        let dead = try endedProcessID()
        let names = [".epoch=0-step=6.safetensors.tmp-\(dead)", ".last.safetensors.tmp-\(getpid())",
                     ".last.safetensors.tmp-1", "notes.tmp-\(dead)", ".plain-hidden-file"]
        for name in names { try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/" + name)) }
        let removed = AtomicFile.removeAbandonedTemporaries(in: folder)
        #expect(removed == [".epoch=0-step=6.safetensors.tmp-\(dead)"])
        let left = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(left == names.dropFirst().sorted())
    }

    @Test func aFitRemovesTheTemporariesAKilledRunLeft() throws {
        let folder = try makeTemporaryFolder()
        let stale = folder + "/.last.safetensors.tmp-\(try endedProcessID())"
        try Data(count: 1024).write(to: URL(fileURLWithPath: stale))
        let run = try Run(folder: folder, epochs: 1)
        try run.fit()
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: folder + "/last.safetensors"))
    }

    /// A kill between a save and the eviction it decided leaves an evicted checkpoint that no
    /// run would ever remove; resuming removes it (and keeps the run's own).
    @Test func resumingRemovesACheckpointWhoseEvictionWasInterrupted() throws {
        let folder = try makeTemporaryFolder()
        let first = try Run(folder: folder, epochs: 2, saveTopK: 1, everyNTrainSteps: nil, everyNEpochs: 1)
        try first.fit()
        let kept = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("epoch=") }
        #expect(kept == ["epoch=1-step=12.safetensors"])
        // What the kill left: the checkpoint evicted at step 12, still on disk.
        let orphan = folder + "/epoch=0-step=6.safetensors"
        try FileManager.default.copyItem(atPath: folder + "/last.safetensors", toPath: orphan)
        let resumed = try Run(folder: folder, epochs: 3, saveTopK: 1, everyNTrainSteps: nil, everyNEpochs: 1)
        try resumed.fit(from: "last")
        #expect(!FileManager.default.fileExists(atPath: orphan))
        let after = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("epoch=") }
        #expect(after == ["epoch=2-step=18.safetensors"])
    }
}
