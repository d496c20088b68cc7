import Foundation

/// Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 60,000 training and 10,000 test images
/// of 28x28 grey pixels in 10 classes of clothing, read from the gzipped IDX files that the
/// Debian package `dataset-fashion-mnist` installs. Pixel values 0...255 are scaled to 0...1.
public enum FashionMNIST {
    /// The Debian package that installs the files.
    public static let package = "dataset-fashion-mnist"
    /// Where that package puts them.
    public static let packageDirectory = "/usr/share/datasets/fashion-mnist"
    /// The environment variable that names another folder holding the same files.
    public static let directoryVariable = "SWIFT_DDP_FASHION_MNIST_DIR"
    /// Where the files are read from: `$SWIFT_DDP_FASHION_MNIST_DIR`, or the package's folder.
    public static var directory: String {
        ProcessInfo.processInfo.environment[directoryVariable].flatMap { $0.isEmpty ? nil : $0 } ?? packageDirectory
    }
    public static let classCount = 10

    /// The two parts of the set, as published.
    public enum Part: Sendable {
        /// 60,000 images to train (and validate) on.
        case training
        /// 10,000 images held out for testing.
        case test

        var imagesFile: String { self == .training ? "train-images-idx3-ubyte.gz" : "t10k-images-idx3-ubyte.gz" }
    }

    /// Reads `part`; `.flat` gives `[count, 784]`, `.images` gives `[count, 1, 28, 28]`.
    /// - Throws: ``DataError`` naming the package to install when its files are missing.
    public static func load(_ part: Part = .training, layout: ImageLayout = .flat,
                            from folder: String = directory) throws -> TensorDataset {
        let path = folder + "/" + part.imagesFile
        guard FileManager.default.fileExists(atPath: path) else {
            let override = folder == packageDirectory ? "" : ", or set \(directoryVariable) to a folder that holds its files"
            throw DataError.invalidArgument(
                "Fashion-MNIST is not installed (\(path) is missing): install the Debian package \(package) "
                + "(apt-get install \(package); launch/swift-ddp and launch/test install it)\(override)")
        }
        return try DataSource.load(path: path, layout: layout)
    }
}
