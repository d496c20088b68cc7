import DDPTensor
import DDPTestSupport
import Testing

@Suite struct AutogradTests {
    @Test func gradientsAccumulateAcrossBackwardCalls() {
        let w = Tensor([1, 2, 3], requiresGrad: true)
        (w * w).sum().backward()
        (w * w).sum().backward()
        #expect(w.grad?.scalars == [4, 8, 12])
    }

    @Test func aTensorUsedTwiceSumsBothPaths() {
        let x = Tensor([2], requiresGrad: true)
        let y = x * x + x * 3   // dy/dx = 2x + 3 = 7
        y.sum().backward()
        #expect(x.grad?.scalars == [7])
    }

    @Test func frozenLeafReceivesNoGradient() {
        let frozen = Tensor([1, 2], requiresGrad: false)
        let trained = Tensor([3, 4], requiresGrad: true)
        (frozen * trained).sum().backward()
        #expect(frozen.grad == nil)
        #expect(trained.grad?.scalars == [1, 2])
    }

    @Test func noGradRecordsNothing() {
        let w = Tensor([1, 2], requiresGrad: true)
        let y = noGrad { w * 2 }
        #expect(!y.requiresGrad)
        #expect(y.isLeaf)
    }

    @Test func detachedCutsTheGraph() {
        let w = Tensor([1, 2], requiresGrad: true)
        let y = (w * 2).detached()
        #expect(!y.requiresGrad)
        let z = (w * y).sum()
        z.backward()
        #expect(w.grad?.scalars == [2, 4])   // y is a constant [2, 4]
    }

    @Test func retainedGraphAllowsASecondBackward() {
        let w = Tensor([3], requiresGrad: true)
        let y = (w * w).sum()
        y.backward(retainGraph: true)
        y.backward()
        #expect(w.grad?.scalars == [12])
    }

    @Test func theGraphIsFreedWithItsLastReference() {
        weak var weakIntermediate: Tensor?
        let w = Tensor([1, 2, 3], requiresGrad: true)
        do {
            let hidden = w * 2
            weakIntermediate = hidden
            let loss = (hidden * hidden).sum()
            loss.backward()
        }
        #expect(weakIntermediate == nil)
    }

    @Test func gradientGoesIntoItsBoundDestination() {
        let flat = Tensor.zeros([5])
        let w = Tensor([1, 2, 3], requiresGrad: true)
        w.gradDestination = Tensor(shape: [3], storage: flat.storage, offset: 2)
        (w * w).sum().backward()
        #expect(flat.scalars == [0, 0, 2, 4, 6])
        #expect(w.grad?.storage === flat.storage)
    }
}
