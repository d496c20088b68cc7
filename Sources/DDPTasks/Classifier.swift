/// Classifies samples with an MLP, a small CNN or a ResNet trained on cross-entropy: the
/// default task, on Fashion-MNIST.
///
/// The module is the network itself, so its weights have the names of the equivalent
/// PyTorch module (an `nn.Sequential`'s `0.weight`, `0.bias`, `2.weight`, ...; a
/// torchvision-style ResNet's `conv1.weight`, `layer1.0.bn1.running_mean`, `fc.weight`, ...)
/// and load from one.
public final class Classifier: Module, ClassificationTask {
    public let net: any Layer
    /// The shape flat input rows take before the network (`nil`: as they come).
    public let sampleShape: [Int]?
    let optimizerSettings: OptimizerSettings
    let schedulerSettings: SchedulerSettings
    let runLength: SchedulerSettings.RunLength

    public override var namedChildren: [(String, Module)] { net.namedChildren }

    /// - Parameters:
    ///   - net: maps `[batch, ...]` inputs to `[batch, classes]` logits.
    ///   - optimizer: the optimizer to train with, with a name.
    ///   - scheduler: the learning-rate scheduler, sized by `runLength`.
    ///   - sampleShape: the shape each flat input row takes before `net` (`nil`: none).
    public init(net: any Layer, sampleShape: [Int]? = nil, optimizer: OptimizerSettings,
                scheduler: SchedulerSettings = .parsedDefaults,
                runLength: SchedulerSettings.RunLength = .init(epochs: 1, optimizerSteps: 1)) {
        self.net = net
        self.sampleShape = sampleShape
        self.optimizerSettings = optimizer
        self.schedulerSettings = scheduler
        self.runLength = runLength
    }

    public func logits(_ inputs: Tensor) -> Tensor {
        net(sampleShape.map { inputs.reshaped([inputs.shape[0]] + $0) } ?? inputs)
    }

    /// An MLP `Linear, ReLU, ..., Linear` from `features` through `hidden` to `classes`.
    public static func mlp(features: Int, hidden: [Int], classes: Int, using generator: inout RandomGenerator) -> Sequential {
        let sizes = [features] + hidden + [classes]
        var layers: [any Layer] = []
        for i in 0..<(sizes.count - 1) {
            layers.append(Linear(sizes[i], sizes[i + 1], using: &generator))
            if i < sizes.count - 2 { layers.append(ReLU()) }
        }
        return Sequential(layers)
    }

    /// Two 3x3 convolutions of `channels` widths (ReLU, 2x2 max-pooling after each) and a
    /// linear layer, for images `[channels, height, width]`; flat rows of `side * side`
    /// pixels are unflattened first.
    public static func cnn(
        sampleShape: [Int], channels: [Int], classes: Int, using generator: inout RandomGenerator
    ) throws -> Sequential {
        var layers: [any Layer] = []
        let image = try imageShape(of: sampleShape, model: "cnn")
        if sampleShape.count == 1 { layers.append(Unflatten(image)) }
        guard image.count == 3, channels.count == 2 else {
            throw TaskError("--model cnn needs images [channels, height, width] and two --hidden widths (conv channels), got samples \(sampleShape) and \(channels.count) widths")
        }
        guard image[1] >= 4 && image[2] >= 4 else {
            throw TaskError("--model cnn needs images of at least 4x4 pixels, got \(image[1])x\(image[2])")
        }
        layers += [Conv2d(image[0], channels[0], kernelSize: 3, padding: 1, using: &generator), ReLU(),
                   MaxPool2d(kernelSize: 2),
                   Conv2d(channels[0], channels[1], kernelSize: 3, padding: 1, using: &generator), ReLU(),
                   MaxPool2d(kernelSize: 2),
                   Flatten(), Linear(channels[1] * (image[1] / 4) * (image[2] / 4), classes, using: &generator)]
        return Sequential(layers)
    }

    /// A ResNet (see ``ResNet``) with one ``BasicBlock`` per entry of `blockWidths`, for images
    /// `[channels, height, width]` or flat rows of `side * side` pixels.
    public static func resnet(
        sampleShape: [Int], blockWidths: [Int], classes: Int, using generator: inout RandomGenerator
    ) throws -> ResNet {
        let image = try imageShape(of: sampleShape, model: "resnet")
        guard image.count == 3 else {
            throw TaskError("--model resnet needs images [channels, height, width], got samples \(sampleShape)")
        }
        guard !blockWidths.isEmpty, blockWidths.allSatisfy({ $0 > 0 }) else {
            throw TaskError("--model resnet needs positive block widths in --hidden (one block each, e.g. 16,32,64), got \(blockWidths)")
        }
        return ResNet(inChannels: image[0], blockWidths: blockWidths, classes: classes, using: &generator)
    }

    /// Samples as images `[channels, height, width]`: as they are, or a flat row of a square
    /// grey image.
    static func imageShape(of sampleShape: [Int], model: String) throws -> [Int] {
        if sampleShape.count == 1 {
            let side = Int(Double(sampleShape[0]).squareRoot().rounded())
            guard side * side == sampleShape[0] else {
                throw TaskError("--model \(model) needs images: \(sampleShape[0]) features is not a square image; use --model mlp")
            }
            return [1, side, side]
        }
        return sampleShape
    }

    public func configureOptimizers() throws -> OptimizerConfiguration {
        let optimizer = try optimizerSettings.makeOptimizer([ParamGroup(parameters())])
        return try schedulerSettings.configuration(for: optimizer, run: runLength)
    }
}

extension TaskDescriptor {
    /// `classifier`: a CNN (`--model cnn`), MLP (`--hidden`) or ResNet (`--model resnet`) on
    /// Fashion-MNIST or `--data`, trained with SGD (lr 0.05, momentum 0.9) unless told
    /// otherwise; the model, the number of epochs and the scheduler default to what suits the
    /// data (``ClassifierDefaults``).
    public static let classifier = TaskDescriptor(
        name: "classifier",
        summary: "CNN, MLP or ResNet classifier on Fashion-MNIST (--data digits: the built-in digits) or --data (default)"
    ) { settings, generator in
        // The built-in data is Fashion-MNIST, read as `--data fashion-mnist` reads it (with its test set).
        let builtin = NamedDataSet.fashionMNIST
        var dataSettings = settings.data
        if dataSettings.data == nil { dataSettings.data = builtin.rawValue }
        let data = try TaskData.load(dataSettings, seed: settings.trainer.seed, builtin: (builtin.description, builtin.load),
                                     labels: .classes, classCount: settings.model.classes)
        let defaults = ClassifierDefaults(for: data)
        let batchSize = settings.trainer.batchSize ?? 32
        let model = settings.model.model ?? defaults.model
        let net: any Layer
        var sampleShape: [Int]?
        switch model {
        case "mlp":
            net = Classifier.mlp(features: data.featureCount, hidden: settings.model.hidden?.elements ?? [256, 256], classes: data.classCount,
                                 using: &generator)
        case "cnn":
            net = try Classifier.cnn(sampleShape: data.sampleShape, channels: settings.model.hidden?.elements ?? [16, 32],
                                       classes: data.classCount, using: &generator)
        case "resnet":
            net = try Classifier.resnet(sampleShape: data.sampleShape, blockWidths: settings.model.hidden?.elements ?? [16, 32, 64],
                                        classes: data.classCount, using: &generator)
            // Flat rows of pixels become images before the first convolution.
            if data.sampleShape.count == 1 { sampleShape = try Classifier.imageShape(of: data.sampleShape, model: "resnet") }
        case let other:
            throw TaskError("unknown --model '\(other)': use mlp, cnn or resnet")
        }
        let optimizer = settings.optimizer.overTaskDefault("sgd") {
            $0.lr = $0.lr ?? 0.05
            $0.momentum = $0.momentum ?? 0.9
        }
        var scheduler = settings.scheduler
        scheduler.name = scheduler.name ?? defaults.scheduler
        let module = Classifier(net: net, sampleShape: sampleShape, optimizer: optimizer, scheduler: scheduler,
                                runLength: settings.runLength(trainingCount: data.training.count, batchSize: batchSize,
                                                              defaultMaxEpochs: defaults.maxEpochs))
        return BuiltTask(module: module, data: data, batchSize: batchSize, shuffle: settings.data.shuffle,
                         seed: settings.trainer.seed,
                         summary: "\(model) classifier, \(module.parameterCount) parameters, \(data.classCount) classes",
                         defaultMaxEpochs: defaults.maxEpochs)
    }
}

/// What the classifier trains when `--model`, `--max-epochs` and `--scheduler` are not
/// given, by data: on Fashion-MNIST's 28x28 images, the small CNN for 3 epochs with a cosine
/// learning rate (about 89.7% test accuracy in under a minute on 2 ranks of a 2-core
/// machine); on anything else (the digits, data files), the MLP for 20 epochs at a constant
/// rate (the digits: about 97% in seconds).
public struct ClassifierDefaults: Sendable {
    public var model: String
    public var maxEpochs: Int
    /// `nil`: no scheduler.
    public var scheduler: String?

    public static let fashionMNIST = ClassifierDefaults(model: "cnn", maxEpochs: 3, scheduler: "cosine")
    public static let other = ClassifierDefaults(model: "mlp", maxEpochs: TrainerSettings.defaultMaxEpochs, scheduler: nil)
}

extension ClassifierDefaults {
    /// The defaults that suit `data`.
    init(for data: TaskData) {
        self = data.namedSet == .fashionMNIST ? .fashionMNIST : .other
    }
}
