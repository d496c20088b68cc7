import Foundation

/// The folder of the PyTorch numbers the GPT tests replay (`Tests/Reference/gpt`, written
/// by `record_gpt_reference.py` there).
public let gptReferenceDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Reference/gpt").path

/// The JSON object of the reference file `name` in ``gptReferenceDirectory``.
public func gptReference(_ name: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: gptReferenceDirectory + "/" + name))
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw ReferenceFileError(description: "\(name) does not hold a JSON object")
    }
    return object
}

extension Dictionary where Key == String, Value == Any {
    /// The numbers under `key`, as Float32.
    public func floats(_ key: String) -> [Float] { (self[key] as? [Double] ?? []).map(Float.init) }
    /// The object under `key`.
    public func object(_ key: String) -> [String: Any] { self[key] as? [String: Any] ?? [:] }
}

/// A reference file that is not what its recording script writes.
public struct ReferenceFileError: Error, CustomStringConvertible {
    public let description: String
}
