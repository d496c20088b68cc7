/// What a GAN learns to generate, with the yardstick its samples are measured by.
public enum GANDataChoice: String, CaseIterable, Sendable {
    /// Points of the 8-gaussian ring (``SyntheticData/gaussianRing(modes:radius:std:count:seed:)``).
    case ring
    /// The built-in 8x8 digits as 64 pixels scaled to -1...1.
    case digits
}

/// A GAN's training and validation samples (inputs only) and the modes its samples are
/// counted against.
public struct GANData {
    /// Training samples `[n, dimension]`.
    public let training: TensorDataset
    /// Held-out real samples `[m, dimension]`.
    public let validation: TensorDataset
    /// The modes samples should cover: the ring's centers, or the digit classes' mean images.
    public let modeCenters: [[Float]]
    /// The spread of one mode: a sample within 3 of these of its nearest center is of high
    /// quality (see ``SyntheticData/modeCoverage(samples:centers:std:qualityRadius:minimumShare:)``).
    public let modeStd: Float

    /// The number of values per sample.
    public var dimension: Int { training.inputs.shape[1] }

    /// `count` ring points in all (a tenth held out), from `seed`.
    public static func ring(
        modes: Int = 8, radius: Float = 2, std: Float = 0.1, count: Int = 4096, seed: UInt64 = 0
    ) throws -> GANData {
        let validationCount = max(count / 10, 1)
        let points = try SyntheticData.gaussianRing(modes: modes, radius: radius, std: std, count: count + validationCount, seed: seed)
        return GANData(
            training: TensorDataset(inputs: points.features.sliced(axis: 0, range: 0..<count), labels: Array(points.labels[..<count])),
            validation: TensorDataset(inputs: points.features.sliced(axis: 0, range: count...), labels: Array(points.labels[count...])),
            modeCenters: SyntheticData.ringCenters(modes: modes, radius: radius), modeStd: std)
    }

    /// The digits in -1...1 (a tenth held out, chosen by `seed`). The modes are the ten
    /// classes' mean training images; a mode's spread is set so that 3 of them reach the
    /// 90th percentile of the training images' distances to their own class mean, so most
    /// real digits count as high quality and noise or blurred averages of classes do not.
    public static func digits(seed: UInt64 = 0) throws -> GANData {
        let all = try Digits.load()
        let scaled = TensorDataset(inputs: all.inputs * 2 - 1, labels: all.labels)
        let (trainingPart, validationPart) = try randomSplit(scaled, validationFraction: 0.1, seed: seed)
        let training = scaled.batch(at: trainingPart.indices), validation = scaled.batch(at: validationPart.indices)

        let dimension = 64
        var sums = [[Float]](repeating: [Float](repeating: 0, count: dimension), count: Digits.classCount)
        var counts = [Int](repeating: 0, count: Digits.classCount)
        for (row, label) in training.labels.enumerated() {
            counts[label] += 1
            for column in 0..<dimension { sums[label][column] += training.inputs.data[row * dimension + column] }
        }
        let centers = sums.enumerated().map { label, sum in sum.map { $0 / Float(max(counts[label], 1)) } }
        var distances = training.labels.enumerated().map { row, label -> Float in
            var squared: Float = 0
            for column in 0..<dimension {
                let difference = training.inputs.data[row * dimension + column] - centers[label][column]
                squared += difference * difference
            }
            return squared.squareRoot()
        }
        distances.sort()
        let percentile90 = distances[Int(Double(distances.count - 1) * 0.9)]
        return GANData(
            training: TensorDataset(inputs: training.inputs, labels: training.labels),
            validation: TensorDataset(inputs: validation.inputs, labels: validation.labels),
            modeCenters: centers, modeStd: percentile90 / 3)
    }

    /// How `samples` cover the modes (high quality: within 3 ``modeStd`` of a center).
    public func modeCoverage(of samples: Tensor) throws -> ModeCoverage {
        try SyntheticData.modeCoverage(samples: samples, centers: modeCenters, std: modeStd)
    }
}
