import Foundation

/// Opens a data file of any supported kind as a data set, for the command-line tool.
///
/// The kind comes from the file name: `.csv` or `.csv.gz` is CSV, `.npy` is NumPy, and a
/// name ending in `.idx` or `ubyte`, or containing `idx` and a digit (`train-images-idx3-ubyte`),
/// is IDX, each optionally followed by `.gz`. Other names are recognised by their first
/// bytes (NumPy's `\x93NUMPY`, IDX's two zero bytes and type byte), gzip-compressed or not.
///
/// Labels come from the file itself or from a file next to it:
/// - CSV: a column (the last unless `labelColumn` says otherwise).
/// - NumPy: the paired labels file when there is one (see ``labelsFile(pairedWith:)``),
///   otherwise a column of the single 2-D array, as for CSV.
/// - IDX: the paired labels file, which must exist.
public enum DataSource {
    public enum Kind: String, Sendable {
        case csv, numpy, idx
    }

    /// The kinds of file ``load(path:labelColumn:layout:)`` reads, for messages.
    public static let supportedKinds =
        ".csv or .csv.gz (comma-separated numbers), .npy (NumPy arrays), IDX (MNIST format: *-idx3-ubyte, *.idx, optionally .gz)"

    /// The data set in the file at `path`.
    ///
    /// - Parameters:
    ///   - labelColumn: for CSV and single-array NumPy files, the label column: a header
    ///     name, or a 0-based position (negative counts from the end); `nil` for the last.
    ///   - layout: how IDX images are shaped; other kinds keep the shape they are stored in.
    public static func load(path: String, labelColumn: String? = nil, layout: ImageLayout = .flat) throws -> TensorDataset {
        let column = labelColumn.map(LabelColumn.init(argument:)) ?? .last
        switch try kind(ofFileAt: path) {
        case .csv:
            return try CSVFile.load(path: path, labelColumn: column)
        case .numpy:
            guard let labels = labelsFile(pairedWith: path) else {
                return try NumpyDataset.load(features: path, labelColumn: column)
            }
            if let labelColumn {
                throw DataError.invalidArgument("a label column ('\(labelColumn)') applies to a single array, but \(path) has its labels in \(labels)")
            }
            return try NumpyDataset.load(features: path, labels: labels)
        case .idx:
            if let labelColumn {
                throw DataError.invalidArgument("a label column ('\(labelColumn)') does not apply to IDX files, whose labels are in a labels file next to the images")
            }
            let name = (path as NSString).lastPathComponent
            if name.lowercased().contains("labels") && !name.lowercased().contains("images") {
                throw DataError.malformed(path, "is a labels file; give the images file next to it (such as train-images-idx3-ubyte) and its labels are found from its name")
            }
            guard let labels = labelsFile(pairedWith: path) else {
                let tried = labelsCandidates(pairedWith: path).map { ($0 as NSString).lastPathComponent }
                let looked = tried.isEmpty ? "its name has no 'images' to replace with 'labels'" : "looked for \(tried.joined(separator: " and "))"
                throw DataError.malformed(path, "has no labels file next to it (\(looked)); IDX images named *images*idx3* pair with *labels*idx1* in the same folder")
            }
            return try IDXDataset.load(images: path, labels: labels, layout: layout)
        }
    }

    /// What kind of data file `path` is, from its name or else its first bytes.
    public static func kind(ofFileAt path: String) throws -> Kind {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw DataError.missingFile(path) }
        guard !isFolder.boolValue else { throw DataError.malformed(path, "is a folder, not a data file") }
        var name = (path as NSString).lastPathComponent.lowercased()
        if name.hasSuffix(".gz") { name.removeLast(3) }
        if name.hasSuffix(".csv") { return .csv }
        if name.hasSuffix(".npy") { return .numpy }
        if name.hasSuffix(".npz") {
            throw DataError.malformed(path, "is a .npz archive, which is not supported; save each array with numpy.save as .npy")
        }
        if isIDXName(name) { return .idx }

        var head = try DataFileBytes.readPrefix(path, count: 8)
        if DataFileBytes.isGzip(head) { head = try DataFileBytes.read(path).prefix(8) }
        if head.starts(with: [0x93] + Array("NUMPY".utf8)) { return .numpy }
        if IDXFile.hasMagic(head) { return .idx }
        throw DataError.malformed(path, "is of a kind that cannot be told from its name or first bytes; supported: \(supportedKinds)")
    }

    /// The labels file that belongs with the features or images file `path`, if it exists in
    /// the same folder. The labels file's name is `path`'s name with:
    /// - IDX: `images` replaced by `labels` and `idx` followed by a digit by `idx1`
    ///   (`train-images-idx3-ubyte.gz` → `train-labels-idx1-ubyte.gz`), with or without `.gz`;
    /// - NumPy: `features`, `inputs` or `images` replaced by `labels`
    ///   (`train_features.npy` → `train_labels.npy`), or a leading `x` or `X` followed by
    ///   `_`, `-` or `.` replaced by `y` (`X_train.npy` → `y_train.npy`).
    public static func labelsFile(pairedWith path: String) -> String? {
        labelsCandidates(pairedWith: path).first { FileManager.default.fileExists(atPath: $0) }
    }

    /// The paths ``labelsFile(pairedWith:)`` looks at, in order.
    static func labelsCandidates(pairedWith path: String) -> [String] {
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        var stem = name
        let compressed = stem.lowercased().hasSuffix(".gz")
        if compressed { stem.removeLast(3) }
        var names: [String] = []
        if stem.lowercased().hasSuffix(".npy") {
            for word in ["features", "inputs", "images"] where stem.contains(word) {
                names.append(stem.replacingOccurrences(of: word, with: "labels"))
            }
            if let first = stem.first, first == "x" || first == "X",
               let second = stem.dropFirst().first, "_-.".contains(second) {
                names.append("y" + stem.dropFirst())
            }
            names = names.map { compressed ? $0 + ".gz" : $0 }
        } else if stem.contains("images") {
            let labels = replacingIDXRank(in: stem.replacingOccurrences(of: "images", with: "labels"))
            names = compressed ? [labels + ".gz", labels] : [labels, labels + ".gz"]
        }
        return names.filter { $0 != name }.map { folder.isEmpty ? $0 : (folder as NSString).appendingPathComponent($0) }
    }

    /// `true` for names such as `train-images-idx3-ubyte`, `t10k-labels.idx1-ubyte` or `x.idx`.
    static func isIDXName(_ lowercasedName: String) -> Bool {
        if lowercasedName.hasSuffix(".idx") || lowercasedName.hasSuffix("ubyte") { return true }
        return lowercasedName.ranges(of: "idx").contains { range in
            range.upperBound < lowercasedName.endIndex && lowercasedName[range.upperBound].isNumber
        }
    }

    /// `name` with every `idx` followed by a digit turned into `idx1` (a labels file is 1-D).
    private static func replacingIDXRank(in name: String) -> String {
        var result = ""
        var rest = Substring(name)
        while let range = rest.range(of: "idx") {
            result += rest[..<range.upperBound]
            rest = rest[range.upperBound...]
            if let digit = rest.first, digit.isNumber {
                result += "1"
                rest = rest.dropFirst()
            }
        }
        return result + rest
    }
}
