import DDPTensor
import DDPTestSupport
import Foundation
import Testing

/// PyTorch's conv2d, batch_norm, max/avg pooling and global average pooling, forward and
/// backward, recorded by Tests/Reference/pytorch_conv_ops.py (in float64 from float32
/// inputs) and replayed here in float32.
///
/// Every output, every input gradient (of sum(output ⊙ R) for the recorded R) and, for
/// batch norm in training, the running statistics after the update must satisfy
/// |ours − PyTorch's| <= 1e-4·|PyTorch's| + 1e-5.
@Suite struct ConvOpReferenceTests {
    static let rtol: Float = 1e-4, atol: Float = 1e-5

    struct Values: Decodable {
        let shape: [Int]
        let values: [Double]
        var tensor: Tensor { Tensor(values.map(Float.init), shape: shape) }
    }

    struct Case: Decodable {
        let name: String
        let op: String
        let options: Options
        let inputs: [String: Values]
        let output: Values
        let objectiveWeights: [Double]
        let gradients: [String: [Double]]
        let stateAfter: [String: [Double]]?
    }

    struct Options: Decodable {
        var stride: [Int]?
        var padding: [Int]?
        var kernel: [Int]?
        var countIncludePad: Bool?
        var training: Bool?
        var momentum: Double?
        var eps: Double?
        var runningMean: [Double]?
        var runningVar: [Double]?
    }

    struct Reference: Decodable {
        let torch: String
        let cases: [Case]
    }

    static let reference: Reference = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Reference/conv_ops.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(Reference.self, from: Data(contentsOf: url))
        } catch {
            return Reference(torch: "unreadable \(url.path): \(error)", cases: [])
        }
    }()

    @Test func everyOpIsRecorded() {
        let ops = Set(Self.reference.cases.map(\.op))
        #expect(ops == ["conv2d", "batch_norm", "max_pool2d", "avg_pool2d", "global_avg_pool2d"], "\(Self.reference.torch)")
        #expect(Self.reference.cases.count == 14)
    }

    @Test(arguments: ConvOpReferenceTests.reference.cases.map(\.name))
    func matchesPyTorch(_ name: String) throws {
        let recorded = try #require(Self.reference.cases.first { $0.name == name })
        let inputs = recorded.inputs.mapValues { values -> Tensor in
            let tensor = values.tensor
            tensor.requiresGrad = true
            return tensor
        }
        var state: [String: Tensor] = [:]
        let output = try run(recorded, inputs, state: &state)
        try expectClose(output.scalars, recorded.output.values, "\(name): output")
        #expect(output.shape == recorded.output.shape)

        (output * Tensor(recorded.objectiveWeights.map(Float.init), shape: output.shape)).sum().backward()
        #expect(Set(recorded.gradients.keys) == Set(inputs.keys))
        for (input, expected) in recorded.gradients {
            let gradient = try #require(inputs[input]?.grad, "\(name): no gradient for \(input)")
            try expectClose(gradient.scalars, expected, "\(name): gradient of \(input)")
        }
        for (buffer, expected) in recorded.stateAfter ?? [:] {
            try expectClose(try #require(state[buffer]).scalars, expected, "\(name): \(buffer) after the step")
        }
    }

    private func run(_ recorded: Case, _ inputs: [String: Tensor], state: inout [String: Tensor]) throws -> Tensor {
        let options = recorded.options
        let input = try #require(inputs["input"])
        func pair(_ values: [Int]?) throws -> (Int, Int) {
            let values = try #require(values)
            return (values[0], values[1])
        }
        switch recorded.op {
        case "conv2d":
            return Tensor.conv2d(input, weight: try #require(inputs["weight"]), bias: inputs["bias"],
                                 stride: try pair(options.stride), padding: try pair(options.padding))
        case "batch_norm":
            let runningMean = Tensor(try #require(options.runningMean).map(Float.init))
            let runningVariance = Tensor(try #require(options.runningVar).map(Float.init))
            state = ["running_mean": runningMean, "running_var": runningVariance]
            return Tensor.batchNorm(input, runningMean: runningMean, runningVariance: runningVariance,
                                    weight: inputs["weight"], bias: inputs["bias"], training: options.training == true,
                                    momentum: Float(try #require(options.momentum)), epsilon: Float(try #require(options.eps)))
        case "max_pool2d":
            return input.maxPool2d(kernelSize: try pair(options.kernel), stride: try pair(options.stride),
                                   padding: try pair(options.padding))
        case "avg_pool2d":
            return input.avgPool2d(kernelSize: try pair(options.kernel), stride: try pair(options.stride),
                                   padding: try pair(options.padding), countIncludePad: options.countIncludePad == true)
        case "global_avg_pool2d":
            return input.globalAvgPool2d()
        default:
            Issue.record("no replay for op \(recorded.op)")
            return input
        }
    }

    private func expectClose(_ actual: [Float], _ expected: [Double], _ label: String) throws {
        #expect(actual.count == expected.count, "\(label): \(actual.count) values, expected \(expected.count)")
        var worst = (index: -1, excess: Float(0))
        for (index, (a, b)) in zip(actual, expected.map(Float.init)).enumerated() {
            let excess = abs(a - b) - (Self.atol + Self.rtol * abs(b))
            if excess > worst.excess { worst = (index, excess) }
        }
        #expect(worst.index < 0, "\(label)[\(worst.index)]: \(worst.index < 0 ? 0 : actual[worst.index]) against PyTorch's \(worst.index < 0 ? 0 : expected[worst.index])")
    }
}
