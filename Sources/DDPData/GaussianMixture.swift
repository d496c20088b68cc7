import DDPTensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Mixtures of gaussians, the usual targets for checking that a generative model (a GAN)
/// reproduces every mode of a distribution rather than collapsing onto a few.
extension SyntheticData {
    /// `modes` points evenly spaced on a circle of `radius` around the origin, the first on
    /// the positive x axis: the centers of the classic 8-gaussian ring.
    public static func ringCenters(modes: Int = 8, radius: Float = 2) -> [[Float]] {
        (0..<modes).map { mode in
            let angle = 2 * Float.pi * Float(mode) / Float(modes)
            return [radius * cosf(angle), radius * sinf(angle)]
        }
    }

    /// A `side` × `side` grid of points `spacing` apart, centred on the origin, row by row:
    /// the centers of the classic 25-gaussian grid (side 5, spacing 2: -4, -2, 0, 2, 4).
    public static func gridCenters(side: Int = 5, spacing: Float = 2) -> [[Float]] {
        let offset = Float(side - 1) / 2
        return (0..<side * side).map { index in
            [(Float(index / side) - offset) * spacing, (Float(index % side) - offset) * spacing]
        }
    }

    /// `count` points from an equal-weight mixture of isotropic gaussians with standard
    /// deviation `std` around `centers` (all of one dimension). Each point's mode is drawn
    /// uniformly; labels are mode indices into `centers`. Features `[count, dimension]`.
    public static func gaussianMixture(
        centers: [[Float]], std: Float, count: Int, seed: UInt64 = 0
    ) throws -> (features: Tensor, labels: [Int]) {
        guard let dimension = centers.first?.count, dimension > 0 else {
            throw DataError.invalidArgument("a gaussian mixture needs at least one center with at least one coordinate")
        }
        guard centers.allSatisfy({ $0.count == dimension }) else {
            throw DataError.invalidArgument("every center of a gaussian mixture needs \(dimension) coordinates, as the first has")
        }
        guard count >= 0, std >= 0 else {
            throw DataError.invalidArgument("a gaussian mixture needs count >= 0 and std >= 0, got \(count) and \(std)")
        }
        var generator = RandomGenerator(seed: seed)
        let features = Tensor(uninitializedShape: [count, dimension])
        var labels = [Int](repeating: 0, count: count)
        for sample in 0..<count {
            let mode = min(Int(generator.nextUniformDouble() * Double(centers.count)), centers.count - 1)
            labels[sample] = mode
            var coordinate = 0
            while coordinate < dimension {
                let (first, second) = generator.nextNormalPair()
                features.data[sample * dimension + coordinate] = centers[mode][coordinate] + std * first
                if coordinate + 1 < dimension {
                    features.data[sample * dimension + coordinate + 1] = centers[mode][coordinate + 1] + std * second
                }
                coordinate += 2
            }
        }
        return (features, labels)
    }

    /// `count` points from the ring of `modes` gaussians (see ``ringCenters(modes:radius:)``);
    /// the defaults are the 8-gaussian ring of radius 2 and standard deviation 0.02.
    public static func gaussianRing(
        modes: Int = 8, radius: Float = 2, std: Float = 0.02, count: Int = 2000, seed: UInt64 = 0
    ) throws -> (features: Tensor, labels: [Int]) {
        try gaussianMixture(centers: ringCenters(modes: modes, radius: radius), std: std, count: count, seed: seed)
    }

    /// `count` points from the grid of `side` × `side` gaussians (see
    /// ``gridCenters(side:spacing:)``); the defaults are the 25-gaussian grid with standard
    /// deviation 0.05.
    public static func gaussianGrid(
        side: Int = 5, spacing: Float = 2, std: Float = 0.05, count: Int = 2000, seed: UInt64 = 0
    ) throws -> (features: Tensor, labels: [Int]) {
        try gaussianMixture(centers: gridCenters(side: side, spacing: spacing), std: std, count: count, seed: seed)
    }
}
