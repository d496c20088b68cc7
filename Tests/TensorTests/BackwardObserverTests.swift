import DDPTensor
import Testing

/// Records what a backward pass tells its observers, in order.
private final class Recorder: BackwardObserver {
    var events: [String] = []
    let names: [ObjectIdentifier: String]
    /// The value of each leaf's gradient when it was announced final.
    var finalGradients: [String: [Float]] = [:]
    init(_ named: [String: Tensor]) { names = Dictionary(uniqueKeysWithValues: named.map { (ObjectIdentifier($1), $0) }) }

    func backwardWillRun(writing leaves: Set<ObjectIdentifier>) {
        events.append("start " + leaves.compactMap { names[$0] }.sorted().joined(separator: ","))
    }
    func gradientIsFinal(_ leaf: Tensor) {
        let name = names[ObjectIdentifier(leaf)] ?? "?"
        events.append("final " + name)
        finalGradients[name] = leaf.grad?.scalars
    }
    func operationFinished() { events.append("op") }
}

@Suite struct BackwardObserverTests {
    /// `loss = sum(w * x) + sum(w * b)`: `w` feeds two operations, so it is final only after
    /// the second; `b` after its one; `unused` never appears in the pass; `x` wants no gradient.
    @Test func aLeafIsFinalAfterTheLastOperationThatWritesIt() {
        let w = Tensor([1, 2], requiresGrad: true)
        let b = Tensor([3, 4], requiresGrad: true)
        let unused = Tensor([5], requiresGrad: true)
        let x = Tensor([10, 20])
        let recorder = Recorder(["w": w, "b": b, "unused": unused])
        BackwardObservers.add(recorder)
        ((w * x).sum() + (w * b).sum()).backward()
        BackwardObservers.remove(recorder)

        #expect(recorder.events.first == "start b,w")
        #expect(recorder.events.filter { $0.hasPrefix("final") }.sorted() == ["final b", "final w"])
        // add, two sums, two products: one "op" each, and every final comes right after an op.
        #expect(recorder.events.filter { $0 == "op" }.count == 5)
        // w is announced inside the second product's step, after add, both sums and the first product.
        let wIndex = recorder.events.firstIndex(of: "final w")!
        #expect(recorder.events[..<wIndex].filter { $0 == "op" }.count == 4, "\(recorder.events)")
        // When announced, the gradient is complete: d/dw = x + b, d/db = w.
        #expect(recorder.finalGradients["w"] == [13, 24])
        #expect(recorder.finalGradients["b"] == [1, 2])
        #expect(w.grad?.scalars == [13, 24])
    }

    @Test func observersFollowOnlyTheirOwnThreadAndOnlyWhileAdded() {
        let w = Tensor([1, 2], requiresGrad: true)
        let recorder = Recorder(["w": w])
        (w * w).sum().backward()
        #expect(recorder.events.isEmpty)
        BackwardObservers.add(recorder)
        BackwardObservers.add(recorder)   // once, however often added
        w.grad = nil
        (w * w).sum().backward()
        BackwardObservers.remove(recorder)
        // The sum's step, then the product's, which announces w before its own "op".
        #expect(recorder.events == ["start w", "op", "final w", "op"])
        let before = recorder.events.count
        w.grad = nil
        (w * w).sum().backward()
        #expect(recorder.events.count == before)
    }
}
