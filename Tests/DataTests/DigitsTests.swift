import DDPData
import DDPTensor
import Foundation
import Testing

@Suite struct DigitsTests {
    @Test func builtInDigitsHaveTheirKnownShapeAndClasses() throws {
        let digits = try Digits.load()
        #expect(digits.inputs.shape == [1797, 64])
        #expect(digits.classCount == 10)
        let perClass = Dictionary(grouping: digits.labels, by: { $0 }).mapValues(\.count)
        #expect(perClass.values.allSatisfy { (170...190).contains($0) }, "\(perClass)")
        #expect(digits.inputs.scalars.allSatisfy { (0...1).contains($0) })
        // The first image of the data set is a 0 whose second row starts 0, 0, 13, 15.
        #expect(digits.labels[0] == 0)
        #expect(Array(digits.inputs.scalars[8..<12]) == [0, 0, 13, 15].map { Float($0) / 16 })
        #expect(try Digits.load(layout: .images).inputs.shape == [1797, 1, 8, 8])
    }

    @Test func splitIsFixedBySeedAndDisjoint() throws {
        let digits = try Digits.load()
        let (train, validation) = try randomSplit(digits, validationFraction: 0.1, seed: 0)
        #expect(validation.count == 180 && train.count == 1617)
        #expect(Set(train.indices).isDisjoint(with: validation.indices))
        #expect(try randomSplit(digits, validationFraction: 0.1, seed: 0).validation.indices == validation.indices)
        #expect(try randomSplit(digits, validationFraction: 0.1, seed: 1).validation.indices != validation.indices)
    }

    @Test func corruptGzipIsAClearError() {
        #expect(throws: DataError.self) {
            try Gzip.decompress(Data([0x1f, 0x8b, 8, 0, 1, 2, 3, 4]), source: "broken.gz")
        }
    }
}
