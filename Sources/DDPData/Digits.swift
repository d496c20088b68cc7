import DDPTensor
import Foundation

/// The handwritten digits data set shipped with swift-ddp: 1,797 images of 8x8 pixels in
/// 10 classes (the UCI optical digits test set, as distributed with scikit-learn; see
/// `Resources/DIGITS-LICENSE.md`). Pixel values 0...16 are scaled to 0...1.
public enum Digits {
    public static let sampleCount = 1797
    public static let classCount = 10

    /// How inputs are shaped: `.flat` gives `[1797, 64]`, `.images` gives `[1797, 1, 8, 8]`.
    public typealias Layout = ImageLayout

    /// Reads the built-in data.
    public static func load(layout: Layout = .flat) throws -> TensorDataset {
        guard let url = Bundle.module.url(forResource: "digits.csv", withExtension: "gz") else {
            throw DataError.missingFile("digits.csv.gz (the resource bundle next to the swift-ddp binary)")
        }
        let text = String(decoding: try Gzip.decompress(try Data(contentsOf: url), source: url.path), as: UTF8.self)
        var pixels: [Float] = []
        var labels: [Int] = []
        pixels.reserveCapacity(sampleCount * 64)
        for (number, line) in text.split(separator: "\n").enumerated() {
            let fields = line.split(separator: ",")
            guard fields.count == 65, let label = Int(fields[64]) else {
                throw DataError.malformedLine(file: "digits.csv.gz", line: number + 1, "expected 64 pixels and a label")
            }
            for field in fields.prefix(64) { pixels.append((Float(field) ?? 0) / 16) }
            labels.append(label)
        }
        let shape = layout == .flat ? [labels.count, 64] : [labels.count, 1, 8, 8]
        return TensorDataset(inputs: Tensor(pixels, shape: shape), labels: labels)
    }
}
