import DDPData
import DDPNN
import DDPTensor
import DDPTestSupport
import Testing

@Suite struct ModuleTests {
    @Test func sequentialNamesAndShapesMatchPyTorch() {
        var g = RandomGenerator(seed: 0)
        let model = Sequential(Linear(4, 8, using: &g), ReLU(), Linear(8, 3, using: &g))
        let entries = model.namedParameters().map { "\($0.name) \($0.tensor.shape)" }
        #expect(entries == ["0.weight [8, 4]", "0.bias [8]", "2.weight [3, 8]", "2.bias [3]"])
    }

    @Test func stateDictRoundTrip() throws {
        var g1 = RandomGenerator(seed: 1), g2 = RandomGenerator(seed: 2)
        let source = Sequential(Linear(4, 8, using: &g1), ReLU(), Linear(8, 3, using: &g1))
        let target = Sequential(Linear(4, 8, using: &g2), ReLU(), Linear(8, 3, using: &g2))
        let weightBefore = target.parameters()[0]
        try target.load(stateDict: Dictionary(uniqueKeysWithValues: source.stateDict().map { ($0.name, $0.tensor) }))
        for (a, b) in zip(source.stateDict(), target.stateDict()) {
            #expect(a.name == b.name)
            #expect(a.tensor.scalars == b.tensor.scalars)
        }
        // Loaded in place: the same tensor objects an optimizer would hold.
        #expect(target.parameters()[0] === weightBefore)
    }

    @Test func stateDictErrorsListEveryProblem() {
        var g = RandomGenerator(seed: 0)
        let model = Sequential(Linear(4, 8, using: &g), ReLU(), Linear(8, 3, using: &g))
        var dict = Dictionary(uniqueKeysWithValues: model.stateDict().map { ($0.name, $0.tensor) })
        dict["0.bias"] = nil
        dict["2.weight"] = Tensor.zeros([3, 9])
        dict["extra.weight"] = Tensor.zeros([1])
        #expect(throws: StateDictError(
            missing: ["0.bias"], unexpected: ["extra.weight"],
            mismatched: [.init(name: "2.weight", expected: [3, 8], found: [3, 9])])) {
            try model.load(stateDict: dict)
        }
    }

    @Test func frozenParameterReceivesNoGradient() {
        var g = RandomGenerator(seed: 0)
        let model = Sequential(Linear(4, 8, using: &g), ReLU(), Linear(8, 3, using: &g))
        let first = model.layers[0] as! Linear
        first.setRequiresGrad(false)
        let loss = crossEntropy(model(Tensor.randn([5, 4], using: &g)), targets: [0, 1, 2, 0, 1])
        loss.backward()
        #expect(first.weight.grad == nil && first.bias?.grad == nil)
        #expect((model.layers[2] as! Linear).weight.grad != nil)
    }

    @Test func twoLayerMLPLearnsTwoMoons() {
        var g = RandomGenerator(seed: 5)
        let model = Sequential(Linear(2, 32, using: &g), ReLU(), Linear(32, 2, using: &g))
        let (x, y) = SyntheticData.moons(n: 400, noise: 0.1, seed: 3)
        for _ in 0..<400 {
            for p in model.parameters() { p.grad = nil }
            crossEntropy(model(x), targets: y).backward()
            noGrad {
                for p in model.parameters() { p.assign(p - p.grad! * 0.5) }
            }
        }
        let logits = noGrad { model(x) }
        let correct = (0..<y.count).filter { (logits[$0, 1] > logits[$0, 0] ? 1 : 0) == y[$0] }.count
        let accuracy = Double(correct) / Double(y.count)
        #expect(accuracy > 0.95, "accuracy \(accuracy)")
    }
}
