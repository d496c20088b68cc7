import DDPTensor

/// How well samples from a generative model cover the modes of a gaussian mixture, by the
/// usual measure for GANs on the 8-gaussian ring and 25-gaussian grid: a sample is of high
/// quality when it lies within `qualityRadius` standard deviations (3 by default) of its
/// nearest center, and a mode is covered when it receives enough high-quality samples.
public struct ModeCoverage: Equatable, Sendable {
    /// Modes that received at least the minimum number of high-quality samples.
    public let coveredModes: Int
    /// The number of modes (centers).
    public let modeCount: Int
    /// High-quality samples per mode, in the order of the centers.
    public let samplesPerMode: [Int]
    /// The share of all samples that are of high quality, in 0...1.
    public let highQualityFraction: Double
}

extension SyntheticData {
    /// Measures how `samples` (`[n, dimension]`) cover the gaussians around `centers`.
    ///
    /// - Parameters:
    ///   - std: the standard deviation of the mixture's gaussians.
    ///   - qualityRadius: how many standard deviations from its nearest center a sample may
    ///     lie and still count for that mode.
    ///   - minimumShare: a mode is covered when its high-quality samples reach this share of
    ///     what a perfectly balanced generator would give it (`n / modes`), and at least one
    ///     sample; the default 0.1 (a tenth of a fair share) ignores the few stray samples
    ///     that land near a mode the generator does not really produce.
    public static func modeCoverage(
        samples: Tensor, centers: [[Float]], std: Float, qualityRadius: Float = 3, minimumShare: Double = 0.1
    ) throws -> ModeCoverage {
        guard let dimension = centers.first?.count, centers.allSatisfy({ $0.count == dimension }) else {
            throw DataError.invalidArgument("mode coverage needs at least one center, all of one dimension")
        }
        guard samples.rank == 2, samples.shape[1] == dimension else {
            throw DataError.invalidArgument("mode coverage needs samples of shape [n, \(dimension)] to match the centers, got \(samples.shape)")
        }
        guard std > 0, qualityRadius > 0, minimumShare >= 0 else {
            throw DataError.invalidArgument("mode coverage needs std > 0, qualityRadius > 0 and minimumShare >= 0")
        }
        let sampleCount = samples.shape[0]
        let limit = (qualityRadius * std) * (qualityRadius * std)
        var perMode = [Int](repeating: 0, count: centers.count)
        for sample in 0..<sampleCount {
            let point = samples.data + sample * dimension
            var nearest = 0
            var nearestDistance = Float.infinity
            for (mode, center) in centers.enumerated() {
                var distance: Float = 0
                for axis in 0..<dimension {
                    let difference = point[axis] - center[axis]
                    distance += difference * difference
                }
                if distance < nearestDistance { nearestDistance = distance; nearest = mode }
            }
            if nearestDistance <= limit { perMode[nearest] += 1 }
        }
        let required = max(1, minimumShare * Double(sampleCount) / Double(centers.count))
        let highQuality = perMode.reduce(0, +)
        return ModeCoverage(
            coveredModes: perMode.filter { Double($0) >= required }.count,
            modeCount: centers.count,
            samplesPerMode: perMode,
            highQualityFraction: sampleCount == 0 ? 0 : Double(highQuality) / Double(sampleCount))
    }
}
