import DDPTensor
import DDPTestSupport
import Testing

@Suite struct ComparisonTests {
    let a = Tensor([1, 2, 3, .nan])
    let b = Tensor([3, 2, 1, 0])

    @Test func tensorComparisonsGiveMasks() {
        #expect(a.isEqual(to: b).scalars == [0, 1, 0, 0])
        #expect(a.isNotEqual(to: b).scalars == [1, 0, 1, 1])
        #expect(a.isLess(than: b).scalars == [1, 0, 0, 0])
        #expect(a.isLessOrEqual(to: b).scalars == [1, 1, 0, 0])
        #expect(a.isGreater(than: b).scalars == [0, 0, 1, 0])
        #expect(a.isGreaterOrEqual(to: b).scalars == [0, 1, 1, 0])
    }

    @Test func scalarComparisonsGiveMasks() {
        #expect(a.isEqual(to: 2).scalars == [0, 1, 0, 0])
        #expect(a.isNotEqual(to: 2).scalars == [1, 0, 1, 1])
        #expect(a.isLess(than: 2).scalars == [1, 0, 0, 0])
        #expect(a.isLessOrEqual(to: 2).scalars == [1, 1, 0, 0])
        #expect(a.isGreater(than: 2).scalars == [0, 0, 1, 0])
        #expect(a.isGreaterOrEqual(to: 2).scalars == [0, 1, 1, 0])
    }

    @Test func pointwiseOperatorsAreTheSameComparisons() {
        #expect((a .== b).scalars == a.isEqual(to: b).scalars)
        #expect((a .!= b).scalars == a.isNotEqual(to: b).scalars)
        #expect((a .< b).scalars == a.isLess(than: b).scalars)
        #expect((a .<= b).scalars == a.isLessOrEqual(to: b).scalars)
        #expect((a .> b).scalars == a.isGreater(than: b).scalars)
        #expect((a .>= b).scalars == a.isGreaterOrEqual(to: b).scalars)
        #expect((a .> 1).scalars == [0, 1, 1, 0])
        #expect((a .<= 1).scalars == [1, 0, 0, 0])
    }

    @Test func comparisonsBroadcast() {
        let column = Tensor([1, 2, 3], shape: [3, 1])
        let row = Tensor([2, 3], shape: [1, 2])
        let mask = column.isLess(than: row)
        #expect(mask.shape == [3, 2])
        #expect(mask.scalars == [1, 1, 0, 1, 0, 0])
    }

    @Test func masksAreNotDifferentiable() {
        let x = Tensor([1, -2, 3], requiresGrad: true)
        let mask = x.isGreater(than: 0)
        #expect(!mask.requiresGrad)
        // A mask multiplies like a constant: the gradient of x * mask is the mask.
        (x * mask).sum().backward()
        #expect(x.grad?.scalars == [1, 0, 1])
    }
}
