import DDPTensor

/// Data sets from a pair of IDX files, such as MNIST's `train-images-idx3-ubyte` and
/// `train-labels-idx1-ubyte`.
public enum IDXDataset {
    /// Images (or any samples) from `images` with class labels from `labels`.
    ///
    /// Unsigned-byte samples (pixel values 0...255, as in MNIST) are scaled to 0...1; samples
    /// of other element types keep their values. With `.flat`, inputs are
    /// `[samples, rows * columns]` (any number of dimensions after the first is flattened);
    /// with `.images`, samples of shape `[rows, columns]` become `[samples, 1, rows, columns]`.
    /// Labels must be one whole number `>= 0` per sample.
    public static func load(images: String, labels: String, layout: ImageLayout = .flat) throws -> TensorDataset {
        let imageFile = try IDXFile.load(path: images)
        let labelFile = try IDXFile.load(path: labels)
        guard let sampleCount = imageFile.shape.first, sampleCount > 0 else {
            throw DataError.malformed(images, "has no samples")
        }
        guard labelFile.shape.count == 1 || labelFile.shape.count == 2 && labelFile.shape[1] == 1 else {
            throw DataError.malformed(labels, "holds an array of shape \(labelFile.shape); a labels file holds one value per sample")
        }
        guard labelFile.shape[0] == sampleCount else {
            throw DataError.malformed(labels, "has \(labelFile.shape[0]) labels, but \(images) has \(sampleCount) images")
        }
        let classes = try LabelDecoding.classLabels(labelFile.values) { sample, value in
            .malformed(labels, "sample \(sample): " + LabelDecoding.notAClassMessage(value))
        }
        let sampleShape = Array(imageFile.shape.dropFirst())
        guard !imageFile.values.isEmpty else {
            throw DataError.malformed(images, "holds samples with no values (shape \(imageFile.shape))")
        }
        let inputShape: [Int]
        switch layout {
        case .flat:
            inputShape = [sampleCount, sampleShape.reduce(1, *)]
        case .images:
            guard sampleShape.count == 2 else {
                throw DataError.malformed(images, "holds samples of shape \(sampleShape); the images layout needs [rows, columns] per sample (use the flat layout)")
            }
            inputShape = [sampleCount, 1] + sampleShape
        }
        let inputs = Tensor(imageFile.values, shape: inputShape)
        if imageFile.elementType == .unsignedByte {
            for i in 0..<inputs.count { inputs.data[i] /= 255 }
        }
        return TensorDataset(inputs: inputs, labels: classes)
    }
}
