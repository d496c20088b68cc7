import DDPNN
import Foundation
import Yams

/// `hparams.yaml`, the record of the configuration a run was started with, as PyTorch
/// Lightning writes it beside the metrics so that a run can be told apart and repeated.
public enum HyperparametersFile {
    /// The file name inside the log folder.
    public static let fileName = "hparams.yaml"

    /// Writes `configuration` as YAML to `directory/hparams.yaml`, creating the folder when
    /// missing, and returns the file's path. The file is replaced atomically, so a reader never
    /// sees half of it. Numbers are written so that YAML 1.1 readers (PyYAML) and YAML 1.2
    /// readers (Yams) both read them as numbers.
    @discardableResult
    public static func write(_ configuration: some Encodable, to directory: String) throws -> String {
        try LogFolder.create(directory)
        let path = LogFolder.path(fileName, in: directory)
        let yaml: String
        do {
            yaml = try PortableYAMLFloats.rewrite(YAMLEncoder().encode(configuration))
        } catch {
            throw LoggingError(path: path, reason: "the configuration cannot be written as YAML (\(error))")
        }
        do {
            try AtomicFile.write(Data(yaml.utf8), to: path)
        } catch {
            let reason = (error as? FileError)?.reason ?? "\(error)"
            throw LoggingError(path: path, reason: "\(reason); check that the log folder is writable")
        }
        return path
    }
}
