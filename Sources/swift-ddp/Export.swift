import ArgumentParser
import Foundation
import SwiftDDP

/// `swift-ddp export CKPT --out weights.safetensors`: the model's weights alone, under
/// PyTorch `state_dict` names, for `load_state_dict` or another run.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the model weights of a checkpoint alone, as a safetensors file PyTorch can load.")

    @Argument(help: "A checkpoint file written by swift-ddp.") var checkpoint: String
    @Option(help: "The weights file to write.") var out: String
    @Flag(help: "Replace --out if it exists.") var force = false

    func run() throws {
        let saved = try Checkpoint.read(from: checkpoint)
        if !force && FileManager.default.fileExists(atPath: out) {
            throw CheckpointError("\(out) exists: choose another --out, or pass --force to replace it")
        }
        var isFolder: ObjCBool = false
        let folder = (out as NSString).deletingLastPathComponent
        if !folder.isEmpty && !(FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) && isFolder.boolValue) {
            throw CheckpointError("the folder of --out \(out) does not exist: create it first")
        }
        try saved.weightsFile.write(to: out)
        print("wrote \(saved.modelState.count) tensors to \(out)")
    }
}
