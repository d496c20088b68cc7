/// How the second digit domain is made from the first.
public enum DigitTransform: String, CaseIterable, Sendable {
    /// Dark and light swapped: `x ↦ -x` on pixels in -1...1.
    case inverted
    /// Turned a quarter turn clockwise.
    case rotated

    /// `images` `[n, 64]` (8x8, row by row) transformed.
    public func apply(to images: Tensor) -> Tensor {
        switch self {
        case .inverted:
            return images * -1
        case .rotated:
            // Clockwise: the pixel at (row, column) comes from (7 - column, row).
            let source = (0..<64).map { index in (7 - index % 8) * 8 + index / 8 }
            return images.indexSelect(axis: 1, indices: source)
        }
    }
}

/// Two unpaired domains of 8x8 digits for a CycleGAN: domain A holds digits, domain B the
/// transformed forms of other digits, with pixels in -1...1.
public struct DigitDomains {
    /// Inputs: domain A images `[n, 64]`; targets: domain B images `[n, 64]`. Row `i` of
    /// one is not the transform of row `i` of the other: A and B come from disjoint halves
    /// of the training digits, so the pairing is unknown to the model, as CycleGAN assumes.
    public let training: TensorDataset
    /// Inputs: held-out digits; targets: their transforms (paired, to measure how close a
    /// translation is to the true one).
    public let validation: TensorDataset
    public let transform: DigitTransform

    /// The digits split by `seed` (a tenth held out), the rest halved into the two domains.
    public init(transform: DigitTransform, seed: UInt64 = 0) throws {
        let all = try Digits.load()
        let scaled = TensorDataset(inputs: all.inputs * 2 - 1, labels: all.labels)
        let (trainingPart, validationPart) = try randomSplit(scaled, validationFraction: 0.1, seed: seed)
        var order = trainingPart.indices
        var generator = RandomGenerator(seed: seed ^ 0xD0_3A1A5)
        order.shuffle(using: &generator)
        let half = order.count / 2
        let domainA = scaled.batch(at: Array(order[..<half])).inputs
        let domainB = transform.apply(to: scaled.batch(at: Array(order[half..<(2 * half)])).inputs)
        let held = scaled.batch(at: validationPart.indices).inputs
        self.transform = transform
        training = TensorDataset(inputs: domainA, targets: domainB)
        validation = TensorDataset(inputs: held, targets: transform.apply(to: held))
    }
}
