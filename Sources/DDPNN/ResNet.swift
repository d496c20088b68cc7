import DDPTensor

/// A residual block of two 3x3 convolutions, each followed by BatchNorm (as torchvision's
/// `BasicBlock`): `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`.
///
/// The shortcut is the identity when the block keeps the width and resolution; otherwise a
/// 1x1 convolution of the block's stride and a BatchNorm, named `downsample.0` and
/// `downsample.1` as in torchvision, so state dicts load across by name.
public final class BasicBlock: Module, Layer {
    public let conv1: Conv2d
    public let bn1: BatchNorm2d
    public let conv2: Conv2d
    public let bn2: BatchNorm2d
    /// The projection shortcut; `nil` for the identity.
    public let downsample: Sequential?

    /// A block from `inChannels` to `outChannels`; its first convolution (and the shortcut)
    /// steps by `stride`. Convolutions have no bias: the BatchNorm after each has one.
    public init(_ inChannels: Int, _ outChannels: Int, stride: Int = 1, using generator: inout RandomGenerator) {
        conv1 = Conv2d(inChannels, outChannels, kernelSize: 3, stride: stride, padding: 1, bias: false, using: &generator)
        bn1 = BatchNorm2d(outChannels)
        conv2 = Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1, bias: false, using: &generator)
        bn2 = BatchNorm2d(outChannels)
        downsample = stride != 1 || inChannels != outChannels
            ? Sequential(Conv2d(inChannels, outChannels, kernelSize: 1, stride: stride, bias: false, using: &generator),
                         BatchNorm2d(outChannels))
            : nil
    }

    public override var namedChildren: [(String, Module)] {
        [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2)] + (downsample.map { [("downsample", $0)] } ?? [])
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let shortcut = downsample?(input) ?? input
        let residual = bn2(conv2(bn1(conv1(input)).relu()))
        return (residual + shortcut).relu()
    }
}

/// A residual CNN in torchvision's ResNet layout, sized for small images: a 3x3 stem
/// convolution with BatchNorm and ReLU, stages of ``BasicBlock``s, global average pooling
/// and a linear head. State dict names are torchvision's (`conv1.weight`, `bn1.running_mean`,
/// `layer1.0.conv1.weight`, `layer2.0.downsample.0.weight`, `fc.weight`, ...).
///
/// `blockWidths` gives one block per entry; a run of equal widths is one stage
/// (`layer1`, `layer2`, ...). The first stage keeps the stem's resolution, each later stage
/// halves it in its first block. `[16, 32, 64]` is three stages of one block each;
/// `[16, 16, 32, 32]` two stages of two.
public final class ResNet: Module, Layer {
    public let conv1: Conv2d
    public let bn1: BatchNorm2d
    /// The stages, `layer1`, `layer2`, ..., each a ``Sequential`` of ``BasicBlock``s.
    public let stages: [Sequential]
    public let fc: Linear
    private let pool = GlobalAvgPool2d()

    /// - Parameters:
    ///   - inChannels: channels of the input images.
    ///   - blockWidths: the output channels of each block, in order (the stem's are the first's).
    ///   - classes: outputs of the linear head.
    public init(inChannels: Int, blockWidths: [Int], classes: Int, using generator: inout RandomGenerator) {
        precondition(!blockWidths.isEmpty && blockWidths.allSatisfy { $0 > 0 } && classes > 0,
                     "ResNet needs positive block widths and classes, not \(blockWidths) and \(classes)")
        conv1 = Conv2d(inChannels, blockWidths[0], kernelSize: 3, padding: 1, bias: false, using: &generator)
        bn1 = BatchNorm2d(blockWidths[0])
        var stages: [Sequential] = []
        var width = blockWidths[0]
        for stageWidths in ResNet.stageWidths(blockWidths) {
            var blocks: [any Layer] = []
            for (index, blockWidth) in stageWidths.enumerated() {
                let stride = !stages.isEmpty && index == 0 ? 2 : 1
                blocks.append(BasicBlock(width, blockWidth, stride: stride, using: &generator))
                width = blockWidth
            }
            stages.append(Sequential(blocks))
        }
        self.stages = stages
        fc = Linear(width, classes, using: &generator)
    }

    /// `blockWidths` cut into runs of equal widths: the stages.
    public static func stageWidths(_ blockWidths: [Int]) -> [[Int]] {
        var stages: [[Int]] = []
        for width in blockWidths {
            if let last = stages.last?.last, last == width {
                stages[stages.count - 1].append(width)
            } else {
                stages.append([width])
            }
        }
        return stages
    }

    public override var namedChildren: [(String, Module)] {
        [("conv1", conv1), ("bn1", bn1)]
            + stages.enumerated().map { ("layer\($0.offset + 1)", $0.element as Module) }
            + [("fc", fc)]
    }

    /// `[batch, inChannels, height, width]` images to `[batch, classes]` logits.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let stem = bn1(conv1(input)).relu()
        return fc(pool(stages.reduce(stem) { $1($0) }))
    }
}
