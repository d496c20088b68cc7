import ArgumentParser

/// What to train: the task and its model.
public struct ModelSettings: ParsableArguments, Sendable {
    @Option(help: ArgumentHelp("What to train:\n"
        + TaskRegistry.all.map { "\($0.name): \($0.summary)" }.joined(separator: "\n")))
    public var task = TaskRegistry.defaultTask.name
    @Option(help: "The classifier's network: cnn, mlp or resnet (default: cnn on Fashion-MNIST, mlp on other data).")
    public var model: String?
    @Option(help: "Hidden layer widths, comma-separated (classifier: 256,256; cnn: conv channels 16,32; resnet: one residual block per width, 16,32,64).",
            transform: CommaSeparated.reading(like: "256,256"))
    public var hidden: CommaSeparated<Int>?
    @Option(help: "Number of classes (default: one more than the largest label).") public var classes: Int?
    @Option(help: "Start from the weights in this safetensors file (PyTorch state_dict names).") public var initFrom: String?

    public init() {}
}
