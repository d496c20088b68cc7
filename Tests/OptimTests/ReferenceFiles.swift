import DDPOptim
import DDPTensor
import Foundation

/// The directory holding the PyTorch reference traces, shipped beside these tests.
let referenceDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().appendingPathComponent("Fixtures")

/// Decodes a reference file (keys in snake case become camel case).
func loadReference<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    let data = try Data(contentsOf: referenceDirectory.appendingPathComponent(name))
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(T.self, from: data)
}

extension Tensor {
    var doubles: [Double] { scalars.map(Double.init) }
}
