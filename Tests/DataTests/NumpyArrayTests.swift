import DDPData
import DDPTensor
import DDPTestSupport
import Foundation
import Testing

@Suite struct NumpyArrayTests {
    /// Every supported dtype, written by NumPy itself, reads back as the same numbers.
    @Test func numpyWrittenDtypesReadBackExactly() throws {
        let folder = try TestFolder()
        let dtypes = ["float32", "float64", "float16", "int8", "uint8", "int16", "int32", "int64",
                      "uint16", "uint32", "uint64", ">f4", ">f8", ">i2", ">i4", ">u8", "bool"]
        _ = try runPython("""
            import numpy as np, sys
            folder = sys.argv[1]
            base = np.array([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]])
            for name in sys.argv[2:]:
                dtype = np.dtype(name)
                values = base % 2 if dtype == np.bool_ else base
                if dtype.kind in 'if' and dtype.kind != 'u':
                    values = values - 5
                if dtype.kind == 'f':
                    values = values * 0.5
                np.save(folder + '/' + name.replace('>', 'be-') + '.npy', values.astype(dtype))
            """, arguments: [folder.path] + dtypes)
        for dtype in dtypes {
            let array = try NumpyArray.load(path: folder.file(dtype.replacingOccurrences(of: ">", with: "be-") + ".npy"))
            let base = (0..<12).map(Float.init)
            let expected: [Float]
            switch dtype {
            case "bool": expected = base.map { $0.truncatingRemainder(dividingBy: 2) }
            case "float32", "float64", "float16", ">f4", ">f8": expected = base.map { ($0 - 5) * 0.5 }
            case "int8", "int16", "int32", "int64", ">i2", ">i4": expected = base.map { $0 - 5 }
            default: expected = base
            }
            #expect(array.shape == [3, 4], "\(dtype)")
            #expect(array.values == expected, "\(dtype): \(array.values)")
        }
    }

    @Test func formatVersionsTwoAndThreeAreRead() throws {
        let folder = try TestFolder()
        _ = try runPython("""
            import numpy as np, sys
            a = np.arange(6, dtype='<f4').reshape(2, 3) / 4
            for major in (1, 2, 3):
                with open(f'{sys.argv[1]}/v{major}.npy', 'wb') as f:
                    np.lib.format.write_array(f, a, version=(major, 0))
            """, arguments: [folder.path])
        for major in 1...3 {
            let path = folder.file("v\(major).npy")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(bytes[6] == UInt8(major))
            let array = try NumpyArray.load(path: path)
            #expect(array.shape == [2, 3])
            #expect(array.values == [0, 0.25, 0.5, 0.75, 1, 1.25])
        }
    }

    @Test func fortranOrderIsTransposedToRowMajor() throws {
        let folder = try TestFolder()
        _ = try runPython("""
            import numpy as np, sys
            a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
            np.save(sys.argv[1] + '/f3.npy', np.asfortranarray(a))
            np.save(sys.argv[1] + '/f2.npy', np.asfortranarray(a[0]).astype(np.int16))
            """, arguments: [folder.path])
        let header3 = String(decoding: try Data(contentsOf: URL(fileURLWithPath: folder.file("f3.npy"))).prefix(128), as: UTF8.self)
        #expect(header3.contains("'fortran_order': True"))
        let three = try NumpyArray.load(path: folder.file("f3.npy"))
        #expect(three.shape == [2, 3, 4])
        #expect(three.values == (0..<24).map(Float.init))
        let two = try NumpyArray.load(path: folder.file("f2.npy"))
        #expect(two.shape == [3, 4])
        #expect(two.values == (0..<12).map(Float.init))
    }

    @Test func scalarsAndEmptyArrays() throws {
        let folder = try TestFolder()
        _ = try runPython("""
            import numpy as np, sys
            np.save(sys.argv[1] + '/scalar.npy', np.float64(2.5))
            np.save(sys.argv[1] + '/empty.npy', np.zeros((0, 3), dtype=np.float32))
            """, arguments: [folder.path])
        let scalar = try NumpyArray.load(path: folder.file("scalar.npy"))
        #expect(scalar.shape == [] && scalar.values == [2.5])
        let empty = try NumpyArray.load(path: folder.file("empty.npy"))
        #expect(empty.shape == [0, 3] && empty.values.isEmpty)
    }

    @Test func badFilesAreClearErrors() throws {
        let folder = try TestFolder()
        _ = try runPython("""
            import numpy as np, sys
            d = sys.argv[1]
            np.save(d + '/good.npy', np.arange(100, dtype=np.float32))
            np.save(d + '/complex.npy', np.zeros(3, dtype=np.complex64))
            np.save(d + '/text.npy', np.array(['ab', 'c']))
            np.save(d + '/records.npy', np.zeros(2, dtype=[('a', '<f4'), ('b', '<i4')]))
            np.savez(d + '/archive.npz', a=np.zeros(2))
            """, arguments: [folder.path])
        let good = try Data(contentsOf: URL(fileURLWithPath: folder.file("good.npy")))
        let truncated = try folder.write("truncated.npy", good.dropLast(100))
        #expect(throws: DataError.malformed(truncated, "is truncated: a <f4 array of shape (100,) needs 400 bytes of data, found 300")) {
            try NumpyArray.load(path: truncated)
        }
        let padded = try folder.write("padded.npy", good + Data([0, 0]))
        #expect(throws: DataError.malformed(padded, "has 2 bytes after the data of a <f4 array of shape (100,)")) {
            try NumpyArray.load(path: padded)
        }
        #expect(throws: DataError.malformed(folder.file("complex.npy"), "has dtype '<c8' (complex numbers); save float32, float64, float16, an integer type or bool instead")) {
            try NumpyArray.load(path: folder.file("complex.npy"))
        }
        #expect(throws: DataError.malformed(folder.file("text.npy"), "has dtype '<U2' (strings); save float32, float64, float16, an integer type or bool instead")) {
            try NumpyArray.load(path: folder.file("text.npy"))
        }
        #expect(throws: DataError.malformed(folder.file("records.npy"), "holds a structured array (fields of different types); save a plain numeric array instead")) {
            try NumpyArray.load(path: folder.file("records.npy"))
        }
        #expect(throws: DataError.malformed(folder.file("archive.npz"), "is a .npz archive (zip), not a .npy file; load it with numpy and save one array with numpy.save")) {
            try NumpyArray.load(path: folder.file("archive.npz"))
        }
        let csv = try folder.write("notnumpy.npy", "1,2,3\n")
        #expect(throws: DataError.malformed(csv, "is not a .npy file: it does not start with \\x93NUMPY")) {
            try NumpyArray.load(path: csv)
        }
        var future = good
        future[6] = 4
        let version4 = try folder.write("v4.npy", future)
        #expect(throws: DataError.malformed(version4, ".npy format version 4.0 is not supported (known: 1.0, 2.0, 3.0)")) {
            try NumpyArray.load(path: version4)
        }
        var broken = good
        let header = broken.range(of: Data("'shape'".utf8))!
        broken.replaceSubrange(header, with: Data("'shope'".utf8))
        let noShape = try folder.write("noshape.npy", broken)
        let error = #expect(throws: DataError.self) { try NumpyArray.load(path: noShape) }
        #expect("\(error.map { "\($0)" } ?? "")".hasPrefix("\(noShape): the .npy header has no 'shape' tuple: {'descr': '<f4'"))
    }

    @Test func gzipCompressedNumpyFilesAreRead() throws {
        let folder = try TestFolder()
        _ = try runPython("import numpy as np, sys; np.save(sys.argv[1], np.array([1.5, -2], dtype=np.float32))",
                          arguments: [folder.file("small.npy")])
        let compressed = try folder.gzip(folder.file("small.npy"), as: "small.npy.gz")
        #expect(try NumpyArray.load(path: compressed).values == [1.5, -2])
    }
}

@Suite struct NumpyDatasetTests {
    @Test func featuresWithIntegerLabelsAreClassification() throws {
        let folder = try TestFolder()
        _ = try runPython("""
            import numpy as np, sys
            d = sys.argv[1]
            np.save(d + '/features.npy', np.arange(12, dtype=np.float32).reshape(3, 1, 2, 2))
            np.save(d + '/labels.npy', np.array([2, 0, 1], dtype=np.int64))
            np.save(d + '/targets.npy', np.array([0.5, 1, 2], dtype=np.float64))
            np.save(d + '/wide.npy', np.arange(6, dtype=np.float32).reshape(3, 2))
            np.save(d + '/short.npy', np.array([1, 2], dtype=np.uint8))
            """, arguments: [folder.path])
        let classes = try NumpyDataset.load(features: folder.file("features.npy"), labels: folder.file("labels.npy"))
        #expect(classes.inputs.shape == [3, 1, 2, 2])
        #expect(classes.labels == [2, 0, 1])
        let regression = try NumpyDataset.load(features: folder.file("features.npy"), labels: folder.file("targets.npy"))
        #expect(regression.targets?.shape == [3, 1])
        #expect(regression.targets?.scalars == [0.5, 1, 2])
        let wide = try NumpyDataset.load(features: folder.file("features.npy"), labels: folder.file("wide.npy"))
        #expect(wide.targets?.shape == [3, 2])
        #expect(throws: DataError.malformed(folder.file("targets.npy"), "sample 0: label 0.5 is not a class: class labels are whole numbers >= 0 (use regression targets for other values)")) {
            try NumpyDataset.load(features: folder.file("features.npy"), labels: folder.file("targets.npy"), labelKind: .classes)
        }
        #expect(throws: DataError.malformed(folder.file("short.npy"), "has 2 labels (shape (2,)), but \(folder.file("features.npy")) has 3 samples")) {
            try NumpyDataset.load(features: folder.file("features.npy"), labels: folder.file("short.npy"))
        }
    }

    @Test func singleArrayTakesItsLabelFromAColumn() throws {
        let folder = try TestFolder()
        _ = try runPython("""
            import numpy as np, sys
            d = sys.argv[1]
            np.save(d + '/table.npy', np.array([[0.5, 1, 0], [2, 3, 1]], dtype=np.float64))
            np.save(d + '/cube.npy', np.zeros((2, 2, 2), dtype=np.float32))
            """, arguments: [folder.path])
        let last = try NumpyDataset.load(features: folder.file("table.npy"))
        #expect(last.inputs.scalars == [0.5, 1, 2, 3])
        #expect(last.labels == [0, 1])
        let first = try NumpyDataset.load(features: folder.file("table.npy"), labelColumn: .position(0))
        #expect(first.inputs.scalars == [1, 0, 3, 1])
        #expect(first.targets?.scalars == [0.5, 2])
        #expect(throws: DataError.malformed(folder.file("cube.npy"), "holds an array of shape (2, 2, 2); without a labels file it must be 2-D [samples, features + label]")) {
            try NumpyDataset.load(features: folder.file("cube.npy"))
        }
    }
}

@Suite struct NumpyHeaderTests {
    /// Version 1.0 files with headers written by hand: nested too deeply to parse recursively
    /// (deep enough to overflow the stack of an unlimited recursive parser), byte-swapped, and invalid.
    @Test func corruptHeadersAreErrorsNotCrashes() throws {
        let folder = try TestFolder()
        func npy(header: String, payload: Data = Data()) -> Data {
            var padded = header
            while (10 + padded.utf8.count + 1) % 64 != 0 { padded += " " }
            padded += "\n"
            let length = UInt16(padded.utf8.count)
            return Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)])
                + Data(padded.utf8) + payload
        }
        let deep = try folder.write("deep.npy", npy(header: String(repeating: "(", count: 65_000)))
        #expect(throws: DataError.self) { try NumpyArray.load(path: deep) }
        let handMade = try folder.write("hand.npy", npy(header: "{'descr': '>i2', 'fortran_order': False, 'shape': (2,), }",
                                                        payload: Data([0xFF, 0xFE, 0x01, 0x00])))
        #expect(try NumpyArray.load(path: handMade).values == [-2, 256])
        let negative = try folder.write("negative.npy", npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"))
        #expect(throws: DataError.malformed(negative, "the .npy header has a shape that is not a tuple of sizes >= 0: {'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }")) {
            try NumpyArray.load(path: negative)
        }
    }
}
