import DDPData
import DDPTestSupport
import Testing

/// Fashion-MNIST from the Debian package that `launch/test` installs.
@Suite struct FashionMNISTTests {
    @Test func bothPartsHaveThePublishedSizesAndScaledPixels() throws {
        let training = try FashionMNIST.load(.training)
        #expect(training.inputs.shape == [60_000, 784])
        #expect(training.labels.count == 60_000 && Set(training.labels) == Set(0..<10))
        let test = try FashionMNIST.load(.test, layout: .images)
        #expect(test.inputs.shape == [10_000, 1, 28, 28])
        // The published test set is balanced: 1,000 images per class.
        #expect((0..<10).allSatisfy { label in test.labels.filter { $0 == label }.count == 1_000 })
        let pixels = test.inputs.scalars
        #expect(pixels.allSatisfy { (0...1).contains($0) } && pixels.contains(1))
    }

    @Test func aMissingInstallationNamesThePackage() throws {
        let empty = try makeTemporaryFolder()
        #expect { try FashionMNIST.load(from: empty) } throws: {
            "\($0)".contains("install the Debian package dataset-fashion-mnist")
        }
    }
}
