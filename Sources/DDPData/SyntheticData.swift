import DDPTensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small two-dimensional classification sets, generated from a seed.
public enum SyntheticData {
    /// Points on `classes` interleaved spiral arms, `pointsPerClass` each, with gaussian
    /// noise of standard deviation `noise`. Features `[n, 2]`, labels `0..<classes`.
    public static func spirals(
        classes: Int = 3, pointsPerClass: Int = 300, noise: Float = 0.2, seed: UInt64 = 0
    ) -> (features: Tensor, labels: [Int]) {
        var generator = RandomGenerator(seed: seed)
        let n = classes * pointsPerClass
        let features = Tensor(uninitializedShape: [n, 2])
        var labels = [Int](repeating: 0, count: n)
        for c in 0..<classes {
            for i in 0..<pointsPerClass {
                let index = c * pointsPerClass + i
                let radius = Float(i) / Float(pointsPerClass)
                let (e1, _) = generator.nextNormalPair()
                let angle = Float(c) * 4 + radius * 4 + e1 * noise
                features.data[2 * index] = radius * sinf(angle)
                features.data[2 * index + 1] = radius * cosf(angle)
                labels[index] = c
            }
        }
        return (features, labels)
    }

    /// Two interleaving half circles (as scikit-learn's `make_moons`), `n` points in all.
    public static func moons(n: Int = 1000, noise: Float = 0.1, seed: UInt64 = 0) -> (features: Tensor, labels: [Int]) {
        var generator = RandomGenerator(seed: seed)
        let features = Tensor(uninitializedShape: [n, 2])
        var labels = [Int](repeating: 0, count: n)
        for i in 0..<n {
            let upper = i < n / 2
            let t = Float.pi * generator.nextUniform()
            let (ex, ey) = generator.nextNormalPair()
            let x = upper ? cosf(t) : 1 - cosf(t)
            let y = upper ? sinf(t) : 0.5 - sinf(t)
            features.data[2 * i] = x + noise * ex
            features.data[2 * i + 1] = y + noise * ey
            labels[i] = upper ? 0 : 1
        }
        return (features, labels)
    }
}
