/// How image samples are shaped for a model.
public enum ImageLayout: Sendable {
    /// `[samples, rows * columns]`, for multilayer perceptrons.
    case flat
    /// `[samples, 1, rows, columns]`, for convolutional networks.
    case images
}
