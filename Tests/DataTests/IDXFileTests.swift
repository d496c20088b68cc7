import DDPData
import DDPTensor
import DDPTestSupport
import Foundation
import Testing

@Suite struct IDXFileTests {
    @Test func everyElementTypeReadsBackBigEndian() throws {
        let folder = try TestFolder()
        let signed: [Int16] = [-300, 0, 7, 32767]
        let cases: [(UInt8, Data, [Float], IDXFile.ElementType)] = [
            (0x08, Data([0, 1, 128, 255]), [0, 1, 128, 255], .unsignedByte),
            (0x09, Data([0xFF, 0, 0x7F, 0x80]), [-1, 0, 127, -128], .signedByte),
            (0x0B, bigEndianBytes(signed), signed.map(Float.init), .short),
            (0x0C, bigEndianBytes([Int32(-70000), 1, 2, Int32.max]), [-70000, 1, 2, Float(Int32.max)], .int),
            (0x0D, bigEndianBytes([Float(1.5), -0.25, 3, 1e-3].map(\.bitPattern)), [1.5, -0.25, 3, 1e-3], .float),
            (0x0E, bigEndianBytes([2.5, -1e10, 0, 0.1].map { (value: Double) in value.bitPattern }), [2.5, -1e10, 0, Float(0.1)], .double),
        ]
        for (typeByte, payload, expected, type) in cases {
            let path = try folder.write("type-\(typeByte).idx", idxBytes(typeByte: typeByte, shape: [2, 2], payload: payload))
            let file = try IDXFile.load(path: path)
            #expect(file.elementType == type)
            #expect(file.shape == [2, 2])
            #expect(file.values == expected, "type 0x\(String(typeByte, radix: 16))")
        }
    }

    /// A small MNIST look-alike written by Python's struct module, gzipped under MNIST's names.
    @Test func pythonWrittenMNISTFilesLoadAsADataSet() throws {
        let folder = try TestFolder()
        _ = try runPython("""
            import gzip, struct, sys
            d = sys.argv[1]
            pixels = bytes((i * 37) % 256 for i in range(3 * 4 * 5))
            with gzip.open(d + '/train-images-idx3-ubyte.gz', 'wb') as f:
                f.write(struct.pack('>BBBBIII', 0, 0, 8, 3, 3, 4, 5) + pixels)
            with gzip.open(d + '/train-labels-idx1-ubyte.gz', 'wb') as f:
                f.write(struct.pack('>BBBBI', 0, 0, 8, 1, 3) + bytes([7, 0, 9]))
            """, arguments: [folder.path])
        let images = folder.file("train-images-idx3-ubyte.gz"), labels = folder.file("train-labels-idx1-ubyte.gz")
        let flat = try IDXDataset.load(images: images, labels: labels)
        #expect(flat.inputs.shape == [3, 20])
        #expect(flat.labels == [7, 0, 9])
        let pixels = (0..<60).map { Float(($0 * 37) % 256) / 255 }
        #expect(flat.inputs.scalars == pixels)
        #expect(flat.inputs.scalars.allSatisfy { (0...1).contains($0) })
        let shaped = try IDXDataset.load(images: images, labels: labels, layout: .images)
        #expect(shaped.inputs.shape == [3, 1, 4, 5])
    }

    @Test func gzipIsRecognisedByMagicNotName() throws {
        let folder = try TestFolder()
        let plain = try folder.write("plain.idx", idxBytes(typeByte: 0x08, shape: [3], payload: Data([1, 2, 3])))
        let hidden = try folder.gzip(plain, as: "hidden.idx")
        #expect(try IDXFile.load(path: hidden).values == [1, 2, 3])
    }

    @Test func nonByteImagesKeepTheirValues() throws {
        let folder = try TestFolder()
        let images = try folder.write("float-images.idx", idxBytes(typeByte: 0x0D, shape: [2, 1, 2], payload: bigEndianBytes([Float(2), -1, 0.5, 9].map(\.bitPattern))))
        let labels = try folder.write("float-labels.idx", idxBytes(typeByte: 0x08, shape: [2], payload: Data([1, 0])))
        let data = try IDXDataset.load(images: images, labels: labels)
        #expect(data.inputs.scalars == [2, -1, 0.5, 9])
    }

    @Test func truncatedAndMalformedFilesAreClearErrors() throws {
        let folder = try TestFolder()
        let truncated = try folder.write("truncated-idx3-ubyte", idxBytes(typeByte: 0x08, shape: [60000, 28, 28], payload: Data(count: 1000)))
        let expected = DataError.malformed(truncated, "is truncated: shape [60000, 28, 28] needs 47040000 bytes of data, found 1000")
        #expect(throws: expected) { try IDXFile.load(path: truncated) }
        let shortHeader = try folder.write("short.idx", Data([0, 0, 8, 3, 0, 0]))
        #expect(throws: DataError.malformed(shortHeader, "is truncated: its 3 dimension sizes need 12 bytes, found 2")) {
            try IDXFile.load(path: shortHeader)
        }
        let zip = try folder.write("zip.idx", Data([0x50, 0x4B, 3, 4, 0, 0]))
        #expect(throws: DataError.malformed(zip, "is not an IDX file: it starts with 50 4b 03 04, not two zero bytes, a type byte and a dimension count")) {
            try IDXFile.load(path: zip)
        }
        let unknownType = try folder.write("type.idx", Data([0, 0, 0x07, 1, 0, 0, 0, 0]))
        #expect(throws: DataError.malformed(unknownType, "has an unknown IDX element type 0x07 (known: 0x08 unsigned byte, 0x09 signed byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double)")) {
            try IDXFile.load(path: unknownType)
        }
        let extra = try folder.write("extra.idx", idxBytes(typeByte: 0x08, shape: [2], payload: Data([1, 2, 3])))
        #expect(throws: DataError.malformed(extra, "has 1 bytes after the data of shape [2]; it is not a single IDX array")) {
            try IDXFile.load(path: extra)
        }
    }

    @Test func imageAndLabelCountsMustAgree() throws {
        let folder = try TestFolder()
        let images = try folder.write("images.idx", idxBytes(typeByte: 0x08, shape: [3, 2, 2], payload: Data(count: 12)))
        let labels = try folder.write("labels.idx", idxBytes(typeByte: 0x08, shape: [2], payload: Data([0, 1])))
        #expect(throws: DataError.malformed(labels, "has 2 labels, but \(images) has 3 images")) {
            try IDXDataset.load(images: images, labels: labels)
        }
        let fractional = try folder.write("fractional.idx", idxBytes(typeByte: 0x0D, shape: [3], payload: bigEndianBytes([Float(0), 1.5, 2].map(\.bitPattern))))
        #expect(throws: DataError.malformed(fractional, "sample 1: label 1.5 is not a class: class labels are whole numbers >= 0 (use regression targets for other values)")) {
            try IDXDataset.load(images: images, labels: fractional)
        }
        let flatImages = try folder.write("vectors.idx", idxBytes(typeByte: 0x08, shape: [2, 4], payload: Data(count: 8)))
        #expect(throws: DataError.malformed(flatImages, "holds samples of shape [4]; the images layout needs [rows, columns] per sample (use the flat layout)")) {
            try IDXDataset.load(images: flatImages, labels: labels, layout: .images)
        }
        #expect(try IDXDataset.load(images: flatImages, labels: labels).inputs.shape == [2, 4])
    }
}
