import DDPData
import DDPTensor
import DDPTestSupport
import Foundation
import Testing

@Suite struct DataSourceTests {
    @Test func kindComesFromTheNameOrElseTheFirstBytes() throws {
        let folder = try TestFolder()
        let csv = try folder.write("table.CSV", "1,0\n")
        #expect(try DataSource.kind(ofFileAt: csv) == .csv)
        #expect(try DataSource.kind(ofFileAt: try folder.gzip(csv, as: "table.csv.gz")) == .csv)
        let idx = idxBytes(typeByte: 0x08, shape: [1], payload: Data([0]))
        for name in ["train-images-idx3-ubyte", "t10k-labels.idx1-ubyte.gz", "vectors.idx"] {
            #expect(try DataSource.kind(ofFileAt: try folder.write(name, idx)) == .idx, "\(name)")
        }
        #expect(try DataSource.kind(ofFileAt: try folder.write("blob", idx)) == .idx)
        _ = try runPython("import numpy as np, sys; np.save(sys.argv[1], np.zeros((2, 2)))", arguments: [folder.file("array.npy")])
        #expect(try DataSource.kind(ofFileAt: folder.file("array.npy")) == .numpy)
        let renamed = try folder.write("array.bin", try Data(contentsOf: URL(fileURLWithPath: folder.file("array.npy"))))
        #expect(try DataSource.kind(ofFileAt: renamed) == .numpy)
        #expect(try DataSource.kind(ofFileAt: try folder.gzip(renamed, as: "array.bin.gz")) == .numpy)
    }

    @Test func unknownKindsAndMissingFilesAreClearErrors() throws {
        let folder = try TestFolder()
        let text = try folder.write("notes.txt", "some notes\n")
        #expect(throws: DataError.malformed(text, "is of a kind that cannot be told from its name or first bytes; supported: .csv or .csv.gz (comma-separated numbers), .npy (NumPy arrays), IDX (MNIST format: *-idx3-ubyte, *.idx, optionally .gz)")) {
            try DataSource.load(path: text)
        }
        let missing = folder.file("absent.csv")
        #expect(throws: DataError.missingFile(missing)) { try DataSource.load(path: missing) }
        #expect(throws: DataError.malformed(folder.path, "is a folder, not a data file")) { try DataSource.load(path: folder.path) }
        let archive = try folder.write("arrays.npz", Data([0x50, 0x4B, 3, 4]))
        #expect(throws: DataError.malformed(archive, "is a .npz archive, which is not supported; save each array with numpy.save as .npy")) {
            try DataSource.load(path: archive)
        }
    }

    @Test func csvLabelColumnArgumentIsANameOrAPosition() throws {
        let folder = try TestFolder()
        let path = try folder.write("data.csv", "y,x1,x2\n1,0.5,2.5\n0,1,3\n")
        #expect(try DataSource.load(path: path).targets?.scalars == [2.5, 3])
        #expect(try DataSource.load(path: path, labelColumn: "y").labels == [1, 0])
        #expect(try DataSource.load(path: path, labelColumn: "0").labels == [1, 0])
        #expect(try DataSource.load(path: path, labelColumn: "-2").targets?.scalars == [0.5, 1])
    }

    @Test func idxImagesFindTheirLabelsFile() throws {
        let folder = try TestFolder()
        let images = try folder.gzip(try folder.write("raw", idxBytes(typeByte: 0x08, shape: [2, 2, 2], payload: Data([0, 255, 51, 102, 1, 2, 3, 4]))),
                                     as: "t10k-images-idx3-ubyte.gz")
        try folder.write("t10k-labels-idx1-ubyte", idxBytes(typeByte: 0x08, shape: [2], payload: Data([3, 1])))
        #expect(DataSource.labelsFile(pairedWith: images) == folder.file("t10k-labels-idx1-ubyte"))
        let data = try DataSource.load(path: images, layout: .images)
        #expect(data.inputs.shape == [2, 1, 2, 2])
        #expect(Array(data.inputs.scalars.prefix(4)) == [0, 1, 0.2, 0.4])
        #expect(data.labels == [3, 1])
        #expect(throws: DataError.malformed(folder.file("t10k-labels-idx1-ubyte"), "is a labels file; give the images file next to it (such as train-images-idx3-ubyte) and its labels are found from its name")) {
            try DataSource.load(path: folder.file("t10k-labels-idx1-ubyte"))
        }
        #expect(throws: DataError.invalidArgument("a label column ('3') does not apply to IDX files, whose labels are in a labels file next to the images")) {
            try DataSource.load(path: images, labelColumn: "3")
        }
        let lonely = try folder.write("train-images-idx3-ubyte", idxBytes(typeByte: 0x08, shape: [1, 1, 1], payload: Data([0])))
        #expect(throws: DataError.malformed(lonely, "has no labels file next to it (looked for train-labels-idx1-ubyte and train-labels-idx1-ubyte.gz); IDX images named *images*idx3* pair with *labels*idx1* in the same folder")) {
            try DataSource.load(path: lonely)
        }
    }

    @Test func numpyFeaturesFindTheirLabelsFileOrUseTheLastColumn() throws {
        let folder = try TestFolder()
        _ = try runPython("""
            import numpy as np, sys
            d = sys.argv[1]
            np.save(d + '/X_train.npy', np.arange(6, dtype=np.float32).reshape(3, 2))
            np.save(d + '/y_train.npy', np.array([1, 0, 2], dtype=np.uint8))
            np.save(d + '/train_features.npy', np.arange(3, dtype=np.float32))
            np.save(d + '/train_labels.npy', np.array([0.5, 1.5, 2.5], dtype=np.float32))
            """, arguments: [folder.path])
        let keras = try DataSource.load(path: folder.file("X_train.npy"))
        #expect(keras.inputs.shape == [3, 2] && keras.labels == [1, 0, 2])
        let named = try DataSource.load(path: folder.file("train_features.npy"))
        #expect(named.inputs.shape == [3, 1] && named.targets?.scalars == [0.5, 1.5, 2.5])
        // Without a labels file next to it, a 2-D array's last column is the label.
        let single = try DataSource.load(path: folder.file("y_train.npy").replacingOccurrences(of: "y_train", with: "X_train"), labelColumn: nil)
        #expect(single.labels == [1, 0, 2])
        try FileManager.default.removeItem(atPath: folder.file("y_train.npy"))
        let table = try DataSource.load(path: folder.file("X_train.npy"))
        #expect(table.inputs.scalars == [0, 2, 4] && table.labels == [1, 3, 5])
        #expect(throws: DataError.invalidArgument("a label column ('0') applies to a single array, but \(folder.file("train_features.npy")) has its labels in \(folder.file("train_labels.npy"))")) {
            try DataSource.load(path: folder.file("train_features.npy"), labelColumn: "0")
        }
    }

    @Test func labelsOutsideTheModelsClassesNameTheFile() throws {
        let folder = try TestFolder()
        let path = try folder.write("d.csv", "x,label\n1,0\n2,9\n3,12\n4,3\n")
        let data = try DataSource.load(path: path)
        try data.validateLabels(classCount: 13, source: path)
        #expect(throws: DataError.malformed(path, "sample 2 has label 12, outside the model's 10 classes 0...9; check the label column or the model's class count")) {
            try data.validateLabels(classCount: 10, source: path)
        }
        #expect(throws: DataError.malformed(path, "sample 1 has label 9, outside the model's 3 classes 0...2 (3 samples in all; labels range over 0...12); check the label column or the model's class count")) {
            try data.validateLabels(classCount: 3, source: path)
        }
        let regression = try DataSource.load(path: try folder.write("r.csv", "x,y\n1,0.5\n"))
        #expect(throws: DataError.malformed(path, "has regression targets (its label values are not all whole numbers >= 0), but the model predicts 10 classes; fix the label column or train a regression model")) {
            try regression.validateLabels(classCount: 10, source: path)
        }
    }
}
