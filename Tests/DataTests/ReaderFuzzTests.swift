import DDPData
import DDPTensor
import DDPTestSupport
import Foundation
import Testing

/// Mutated copies of valid data files must be read or refused with a ``DataError``, never
/// crash the process. Each reader gets its own seeded ``ByteMutator``, so every run tries the
/// same inputs; `SWIFT_DDP_FUZZ_COUNT` raises the count (`Tests/fuzz/run-fuzz.sh`).
@Suite struct ReaderFuzzTests {
    static let count = fuzzInputCount(default: 2000)

    /// Loads `valid` after each of `count` mutations, written to `name` in a fresh folder,
    /// with `load`; returns how many were read and how many refused.
    static func fuzz(
        _ name: String, valid: Data, seed: UInt64, count: Int = count, in folder: TestFolder,
        load: (String) throws -> Void
    ) throws -> (read: Int, refused: Int) {
        var mutator = ByteMutator(seed: seed)
        let original = [UInt8](valid)
        var outcome = (read: 0, refused: 0)
        for index in 0..<count {
            let path = try folder.write(name, Data(mutator.mutated(original)))
            do {
                try load(path)
                outcome.read += 1
            } catch let error as DataError {
                // Every refusal is one line naming the file, as the command prints it.
                #expect(error.description.contains(folder.path), "input \(index): \(error)")
                #expect(!error.description.contains("\n"), "input \(index): \(error)")
                outcome.refused += 1
            } catch {
                Issue.record("input \(index) of \(name) threw \(type(of: error)), not DataError: \(error)")
            }
        }
        print("fuzz \(name): \(count) inputs, \(outcome.read) read, \(outcome.refused) refused, 0 crashes")
        return outcome
    }

    /// A small `.npy` file (version 1.0) with `header` and `payload`.
    static func npy(header: String, payload: Data) -> Data {
        var padded = header
        while (10 + padded.utf8.count + 1) % 64 != 0 { padded += " " }
        padded += "\n"
        let length = UInt16(padded.utf8.count)
        return Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)])
            + Data(padded.utf8) + payload
    }

    static func littleEndianFloats(_ values: [Float]) -> Data {
        var bytes = Data()
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        return bytes
    }

    static let csvText = "x1,x2,\"x 3\",label\n0.5,1.5,-2e-3,0\n2,3,4,1\n\"7\",8.25,9,2\r\n1,1,1,0\n"

    @Test func mutatedCSVFilesAreReadOrRefused() throws {
        let folder = try TestFolder()
        let outcome = try Self.fuzz("data.csv", valid: Data(Self.csvText.utf8), seed: 1, in: folder) {
            _ = try DataSource.load(path: $0)
        }
        #expect(outcome.read > 0 && outcome.refused > 0)
    }

    @Test func mutatedNumpyFilesAreReadOrRefused() throws {
        let folder = try TestFolder()
        // One array [samples, features + label], then a features file paired with a labels file.
        let table = Self.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 3), }",
                             payload: Self.littleEndianFloats([0.5, 1, 0, 2, 3, 1, -1, 4, 2]))
        let single = try Self.fuzz("table.npy", valid: table, seed: 2, in: folder) {
            _ = try DataSource.load(path: $0)
        }
        let fortran = Self.npy(header: "{'descr': '>f8', 'fortran_order': True, 'shape': (2, 2, 2), }",
                               payload: Data((0..<64).map { UInt8($0 % 7) }))
        try folder.write("X_train.npy", fortran)
        try folder.write("y_train.npy", Self.npy(header: "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", payload: Data([1, 0])))
        let paired = try Self.fuzz("X_train.npy", valid: fortran, seed: 3, in: folder) {
            _ = try DataSource.load(path: $0)
        }
        try folder.write("X_train.npy", fortran)
        let labels = try Self.fuzz("y_train.npy", valid: try Data(contentsOf: URL(fileURLWithPath: folder.file("y_train.npy"))),
                                   seed: 4, in: folder) { _ in
            _ = try DataSource.load(path: folder.file("X_train.npy"))
        }
        #expect(single.refused > 0 && paired.refused > 0 && labels.refused > 0)
    }

    @Test func mutatedIDXFilesAreReadOrRefused() throws {
        let folder = try TestFolder()
        let images = idxBytes(typeByte: 0x08, shape: [3, 2, 2], payload: Data((0..<12).map { UInt8($0 * 20) }))
        let labels = idxBytes(typeByte: 0x08, shape: [3], payload: Data([0, 1, 2]))
        try folder.write("train-labels-idx1-ubyte", labels)
        let imageOutcome = try Self.fuzz("train-images-idx3-ubyte", valid: images, seed: 5, in: folder) {
            _ = try DataSource.load(path: $0)
        }
        try folder.write("train-images-idx3-ubyte", images)
        let labelOutcome = try Self.fuzz("train-labels-idx1-ubyte", valid: labels, seed: 6, in: folder) { _ in
            _ = try DataSource.load(path: folder.file("train-images-idx3-ubyte"))
        }
        let floats = idxBytes(typeByte: 0x0D, shape: [2, 3], payload: bigEndianBytes([Float(1), -2, 0.5, 3, 4, 5].map(\.bitPattern)))
        let floatOutcome = try Self.fuzz("floats.idx", valid: floats, seed: 7, in: folder) {
            _ = try IDXFile.load(path: $0)
        }
        #expect(imageOutcome.refused > 0 && labelOutcome.refused > 0 && floatOutcome.read > 0)
    }

    @Test func mutatedGzipFilesAreReadOrRefused() throws {
        let folder = try TestFolder()
        let plain = try folder.write("plain.csv", Self.csvText)
        // No time stamp or name in the gzip header, so that every run mutates the same bytes.
        _ = try runPython("import gzip, sys; open(sys.argv[2], 'wb').write(gzip.compress(open(sys.argv[1], 'rb').read(), mtime=0))",
                          arguments: [plain, folder.file("valid.csv.gz")])
        let compressed = try Data(contentsOf: URL(fileURLWithPath: folder.file("valid.csv.gz")))
        let outcome = try Self.fuzz("data.csv.gz", valid: compressed, seed: 8, in: folder) {
            _ = try DataSource.load(path: $0)
        }
        // The decompressor alone, on inputs that need not be CSV afterwards.
        var mutator = ByteMutator(seed: 9)
        for index in 0..<Self.count {
            do {
                _ = try Gzip.decompress(Data(mutator.mutated([UInt8](compressed))), source: "memory")
            } catch let error as DataError {
                #expect(error.description.hasPrefix("memory: "), "input \(index): \(error)")
            }
        }
        #expect(outcome.read > 0 && outcome.refused > 0)
    }

    // MARK: Regression cases: headers whose sizes overflowed or made unusable tensors.

    @Test func numpyShapesWhoseProductOverflowsAreRefused() throws {
        let folder = try TestFolder()
        let huge = try folder.write("huge.npy", Self.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 0, 9223372036854775807, 2), }", payload: Data()))
        #expect(throws: DataError.malformed(huge, "the shape (2, 0, 9223372036854775807, 2) is too large")) {
            try NumpyArray.load(path: huge)
        }
        let overflowing = try folder.write("overflow.npy", Self.npy(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 2), }", payload: Data()))
        #expect(throws: DataError.malformed(overflowing, "the shape (4611686018427387904, 2) is too large")) {
            try NumpyArray.load(path: overflowing)
        }
        let bytesOverflow = try folder.write("bytes.npy", Self.npy(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,), }", payload: Data()))
        #expect(throws: DataError.malformed(bytesOverflow, "is truncated: a <f8 array of shape (2305843009213693952,) needs more than Int.max bytes of data, found 0")) {
            try NumpyArray.load(path: bytesOverflow)
        }
        try folder.write("X_empty.npy", Self.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 0), }", payload: Data()))
        try folder.write("y_empty.npy", Self.npy(header: "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", payload: Data([0, 1])))
        #expect(throws: DataError.malformed(folder.file("X_empty.npy"), "holds samples with no features (shape (2, 0))")) {
            try DataSource.load(path: folder.file("X_empty.npy"))
        }
    }

    /// Text quoted from a corrupt file keeps the message on one line (the fuzz tests found
    /// line breaks in CSV fields and .npy dtypes printed as they were).
    @Test func controlCharactersQuotedFromAFileAreEscaped() throws {
        let folder = try TestFolder()
        let csv = try folder.write("breaks.csv", "a,b\n\"1\n\u{1B}[31m\",2\n")
        #expect(throws: DataError.malformedLine(file: csv, line: 2, "'1\\n\\u{1B}[31m' in column 'a' is not a number")) {
            try CSVFile.load(path: csv)
        }
        let npy = try folder.write("dtype.npy", Self.npy(header: "{'descr': '<f\n4', 'fortran_order': False, 'shape': (1,), }", payload: Data(count: 4)))
        #expect(throws: DataError.malformed(npy, "has an unreadable dtype '<f\\n4'")) { try NumpyArray.load(path: npy) }
    }

    @Test func idxShapesWithoutValuesOrOverflowingAreRefused() throws {
        let folder = try TestFolder()
        // Zero values per sample: accepted before, then a trap in the first reshape of a batch.
        let empty = try folder.write("empty-images-idx3-ubyte", idxBytes(typeByte: 0x08, shape: [1, 0, 28], payload: Data()))
        try folder.write("empty-labels-idx1-ubyte", idxBytes(typeByte: 0x08, shape: [1], payload: Data([0])))
        #expect(throws: DataError.malformed(empty, "holds samples with no values (shape [1, 0, 28])")) {
            try DataSource.load(path: empty)
        }
        // Zero values, but the other sizes overflow: tensor strides would trap.
        let hidden = try folder.write("hidden.idx", idxBytes(typeByte: 0x08, shape: [1, 0, 4_294_967_295, 4_294_967_295], payload: Data()))
        #expect(throws: DataError.malformed(hidden, "the shape [1, 0, 4294967295, 4294967295] is too large")) {
            try IDXFile.load(path: hidden)
        }
        let huge = try folder.write("huge.idx", idxBytes(typeByte: 0x0E, shape: [4_294_967_295, 4_294_967_295, 4], payload: Data()))
        #expect(throws: DataError.malformed(huge, "the shape [4294967295, 4294967295, 4] is too large")) {
            try IDXFile.load(path: huge)
        }
    }
}
