import DDPData
import DDPTensor
import Foundation
import Testing

@Suite struct GaussianMixtureTests {
    @Test func ringAndGridCentersArePlacedAsDocumented() {
        let ring = SyntheticData.ringCenters(modes: 8, radius: 2)
        #expect(ring.count == 8)
        #expect(abs(ring[0][0] - 2) < 1e-6 && abs(ring[0][1]) < 1e-6)
        #expect(abs(ring[2][0]) < 1e-6 && abs(ring[2][1] - 2) < 1e-6)
        #expect(ring.allSatisfy { abs(($0[0] * $0[0] + $0[1] * $0[1]).squareRoot() - 2) < 1e-5 })
        let grid = SyntheticData.gridCenters(side: 5, spacing: 2)
        #expect(grid.count == 25)
        #expect(grid.first == [-4, -4] && grid[12] == [0, 0] && grid.last == [4, 4])
    }

    @Test func samplesClusterAroundTheirModeWithTheGivenSpread() throws {
        let std: Float = 0.1
        let (features, labels) = try SyntheticData.gaussianRing(modes: 8, radius: 2, std: std, count: 16000, seed: 3)
        #expect(features.shape == [16000, 2])
        let centers = SyntheticData.ringCenters(modes: 8, radius: 2)
        for mode in 0..<8 {
            let members = labels.indices.filter { labels[$0] == mode }
            // Equal weights: 2000 expected per mode, binomial standard deviation about 42.
            #expect((1800...2200).contains(members.count), "mode \(mode): \(members.count)")
            for axis in 0..<2 {
                let values = members.map { Double(features.data[2 * $0 + axis]) }
                let mean = values.reduce(0, +) / Double(values.count)
                let spread = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
                // The standard error of the mean is 0.1 / sqrt(2000) ≈ 0.0022.
                #expect(abs(mean - Double(centers[mode][axis])) < 0.01, "mode \(mode) axis \(axis): mean \(mean)")
                #expect(abs(spread - Double(std)) < 0.01, "mode \(mode) axis \(axis): std \(spread)")
            }
        }
    }

    @Test func sameSeedSameSamples() throws {
        let first = try SyntheticData.gaussianGrid(count: 500, seed: 9)
        let again = try SyntheticData.gaussianGrid(count: 500, seed: 9)
        let other = try SyntheticData.gaussianGrid(count: 500, seed: 10)
        #expect(first.features.scalars == again.features.scalars && first.labels == again.labels)
        #expect(first.features.scalars != other.features.scalars)
    }

    @Test func oddDimensionsAndBadArgumentsAreHandled() throws {
        let (features, labels) = try SyntheticData.gaussianMixture(centers: [[1, 2, 3], [-1, -2, -3]], std: 0, count: 10, seed: 1)
        for (index, label) in labels.enumerated() {
            #expect(Array(features.scalars[3 * index..<3 * index + 3]) == (label == 0 ? [1, 2, 3] : [-1, -2, -3]))
        }
        #expect(throws: DataError.invalidArgument("every center of a gaussian mixture needs 2 coordinates, as the first has")) {
            try SyntheticData.gaussianMixture(centers: [[0, 0], [1]], std: 1, count: 5)
        }
        #expect(throws: DataError.invalidArgument("a gaussian mixture needs at least one center with at least one coordinate")) {
            try SyntheticData.gaussianRing(modes: 0)
        }
    }
}

@Suite struct ModeCoverageTests {
    let centers = SyntheticData.ringCenters()
    let std: Float = 0.02

    @Test func samplesFromTheMixtureCoverEveryMode() throws {
        let (samples, _) = try SyntheticData.gaussianRing(std: std, count: 2500, seed: 4)
        let coverage = try SyntheticData.modeCoverage(samples: samples, centers: centers, std: std)
        #expect(coverage.coveredModes == 8 && coverage.modeCount == 8)
        // Within 3 standard deviations in two dimensions: 1 - exp(-4.5) ≈ 98.9% of samples.
        #expect(coverage.highQualityFraction > 0.97 && coverage.highQualityFraction < 1)
        #expect(coverage.samplesPerMode.reduce(0, +) == Int((coverage.highQualityFraction * 2500).rounded()))
    }

    @Test func collapsedSamplesCoverOnlyTheModesTheyHit() throws {
        // A generator that collapsed onto modes 1 and 5, plus three stray samples at mode 6.
        let twoModes = [centers[1], centers[5]]
        let (collapsed, _) = try SyntheticData.gaussianMixture(centers: twoModes, std: std, count: 2497, seed: 5)
        let stray = [centers[6][0], centers[6][1], centers[6][0] + 0.01, centers[6][1], centers[6][0], centers[6][1] - 0.01]
        let samples = Tensor(collapsed.scalars + stray, shape: [2500, 2])
        let coverage = try SyntheticData.modeCoverage(samples: samples, centers: centers, std: std)
        #expect(coverage.coveredModes == 2, "\(coverage.samplesPerMode)")
        #expect(coverage.samplesPerMode[6] == 3)
        #expect(coverage.highQualityFraction > 0.97)
    }

    @Test func blurrySamplesCoverModesButFewAreOfHighQuality() throws {
        // Right modes, four times too wide: 1 - exp(-4.5 / 16) ≈ 25% fall within 3 standard
        // deviations, still well over a tenth of each mode's fair share.
        let (blurry, _) = try SyntheticData.gaussianRing(std: 4 * std, count: 2500, seed: 6)
        let coverage = try SyntheticData.modeCoverage(samples: blurry, centers: centers, std: std)
        #expect(coverage.coveredModes == 8)
        #expect((0.2...0.3).contains(coverage.highQualityFraction), "\(coverage.highQualityFraction)")
        // Ten times too wide: about 4% of high quality, under a tenth of a fair share per mode.
        let (diffuse, _) = try SyntheticData.gaussianRing(std: 10 * std, count: 2500, seed: 6)
        let diffuseCoverage = try SyntheticData.modeCoverage(samples: diffuse, centers: centers, std: std)
        #expect(diffuseCoverage.coveredModes == 0 && diffuseCoverage.highQualityFraction < 0.1)
        let origin = Tensor.zeros([100, 2])
        let nothing = try SyntheticData.modeCoverage(samples: origin, centers: centers, std: std)
        #expect(nothing.coveredModes == 0 && nothing.highQualityFraction == 0)
    }

    @Test func samplesOfTheWrongShapeAreRejected() {
        #expect(throws: DataError.invalidArgument("mode coverage needs samples of shape [n, 2] to match the centers, got [10, 3]")) {
            try SyntheticData.modeCoverage(samples: Tensor.zeros([10, 3]), centers: centers, std: std)
        }
    }
}
