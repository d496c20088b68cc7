import DDPData
import DDPTensor
import Foundation
import Testing

@Suite struct CSVFileTests {
    @Test func headerRowIsRecognisedAndTheLastColumnIsTheLabel() throws {
        let folder = try TestFolder()
        let path = try folder.write("iris.csv", "x1,x2,label\n1,2,0\n3,4.5,2\n-1e-3,7,1\n")
        let data = try CSVFile.load(path: path)
        #expect(data.inputs.shape == [3, 2])
        #expect(data.inputs.scalars == [1, 2, 3, 4.5, -0.001, 7])
        #expect(data.labels == [0, 2, 1])
        #expect(data.targets == nil)
    }

    @Test func fileWithoutHeaderStartsWithData() throws {
        let folder = try TestFolder()
        let path = try folder.write("plain.csv", "1,2,0\n3,4,1\n")
        let data = try CSVFile.load(path: path)
        #expect(data.inputs.scalars == [1, 2, 3, 4])
        #expect(data.labels == [0, 1])
    }

    @Test func labelColumnByNameOrPosition() throws {
        let folder = try TestFolder()
        let path = try folder.write("middle.csv", "a,y,b\n1,5,2\n3,6,4\n")
        let byName = try CSVFile.load(path: path, labelColumn: .named("y"))
        #expect(byName.inputs.scalars == [1, 2, 3, 4])
        #expect(byName.labels == [5, 6])
        let byPosition = try CSVFile.load(path: path, labelColumn: .position(1))
        #expect(byPosition.labels == [5, 6])
        let fromTheEnd = try CSVFile.load(path: path, labelColumn: .position(-3))
        #expect(fromTheEnd.inputs.scalars == [5, 2, 6, 4])
        #expect(fromTheEnd.labels == [1, 3])
        #expect(LabelColumn(argument: "-1") == .position(-1))
        #expect(LabelColumn(argument: "y") == .named("y"))
    }

    @Test func labelsThatAreNotClassesBecomeRegressionTargets() throws {
        let folder = try TestFolder()
        let fractional = try CSVFile.load(path: try folder.write("f.csv", "x,y\n1,0.5\n2,3\n"))
        #expect(fractional.labels.isEmpty)
        #expect(fractional.targets?.shape == [2, 1])
        #expect(fractional.targets?.scalars == [0.5, 3])
        let negative = try CSVFile.load(path: try folder.write("n.csv", "1,-1\n2,3\n"))
        #expect(negative.targets?.scalars == [-1, 3])
        let wholeButAsked = try CSVFile.load(path: try folder.write("w.csv", "1,1\n2,3.0\n"), labelKind: .regression)
        #expect(wholeButAsked.targets?.scalars == [1, 3])
        let wholeWritten = try CSVFile.load(path: folder.file("w.csv"))
        #expect(wholeWritten.labels == [1, 3])
    }

    @Test func askingForClassesNamesTheLineOfAFractionalLabel() throws {
        let folder = try TestFolder()
        let path = try folder.write("c.csv", "x,y\n1,1\n\n2,2.5\n")
        #expect(throws: DataError.malformedLine(file: path, line: 4, "label 2.5 is not a class: class labels are whole numbers >= 0 (use regression targets for other values)")) {
            try CSVFile.load(path: path, labelKind: .classes)
        }
    }

    @Test func quotedFieldsFollowRFC4180() throws {
        let folder = try TestFolder()
        let text = "\"x, one\",\"say \"\"hi\"\"\",\"multi\nline\"\n\"1.5\", 2 ,\"0\"\n3,\"4\",1\n4,x,1\n"
        let path = try folder.write("quoted.csv", text)
        // The header spans lines 1-2, so the bad row is line 5.
        #expect(throws: DataError.malformedLine(file: path, line: 5, "'x' in column 'say \"hi\"' is not a number")) {
            try CSVFile.load(path: path)
        }
        let good = try folder.write("quoted-good.csv", String(text.dropLast("4,x,1\n".count)))
        let data = try CSVFile.load(path: good, labelColumn: .named("say \"hi\""))
        #expect(data.inputs.scalars == [1.5, 0, 3, 1])
        #expect(data.labels == [2, 4])
    }

    @Test func unclosedQuoteAndTextAfterAQuoteAreErrors() throws {
        let folder = try TestFolder()
        let open = try folder.write("open.csv", "a,b\n1,\"2\n3,4\n")
        #expect(throws: DataError.malformedLine(file: open, line: 2, "field 2 opens a quote that is never closed")) {
            try CSVFile.load(path: open)
        }
        let trailing = try folder.write("trailing.csv", "a,b\n1,\"2\"x\n")
        #expect(throws: DataError.malformedLine(file: trailing, line: 2, "unexpected 'x' after the closing quote of field 2; a quote inside a quoted field is written \"\"")) {
            try CSVFile.load(path: trailing)
        }
    }

    @Test func windowsLineEndingsByteOrderMarkAndBlankLinesAreAccepted() throws {
        let folder = try TestFolder()
        let path = try folder.write("windows.csv", "\u{FEFF}a,b\r\n1,0\r\n\r\n2,1\r\n\r\n  \r\n")
        let data = try CSVFile.load(path: path, labelColumn: .named("b"))
        #expect(data.inputs.scalars == [1, 2])
        #expect(data.labels == [0, 1])
        // Line numbers count CRLF lines once.
        let bad = try folder.write("windows-bad.csv", "a,b\r\n1,0\r\n2,1,3\r\n")
        #expect(throws: DataError.malformedLine(file: bad, line: 3, "line 3 has 3 fields, the header has 2")) {
            try CSVFile.load(path: bad)
        }
    }

    @Test func gzipCompressedFilesAreRecognisedByTheirBytes() throws {
        let folder = try TestFolder()
        let plain = try folder.write("data.csv", "x1,x2,label\n0.25,1,1\n2,3,0\n")
        let compressed = try folder.gzip(plain, as: "data.csv.gz")
        let data = try CSVFile.load(path: compressed)
        #expect(data.inputs.scalars == [0.25, 1, 2, 3])
        #expect(data.labels == [1, 0])
        let misnamed = try folder.gzip(plain, as: "misnamed.csv")
        #expect(try CSVFile.load(path: misnamed).labels == [1, 0])
    }

    @Test func gzipFilesOfSeveralMembersReadAsTheirContentsInOrder() throws {
        let folder = try TestFolder()
        let head = try Data(contentsOf: URL(fileURLWithPath: try folder.gzip(try folder.write("a", "x,label\n1,0\n"), as: "a.gz")))
        let tail = try Data(contentsOf: URL(fileURLWithPath: try folder.gzip(try folder.write("b", "2,1\n3,0\n"), as: "b.gz")))
        let joined = try folder.write("joined.csv.gz", head + tail + Data([0, 0, 0, 0]))
        let data = try CSVFile.load(path: joined)
        #expect(data.inputs.scalars == [1, 2, 3])
        #expect(data.labels == [0, 1, 0])
        let trailing = try folder.write("trailing.csv.gz", head + Data("junk".utf8))
        #expect(throws: DataError.self) { try CSVFile.load(path: trailing) }
        let cut = try folder.write("cut.csv.gz", head + tail.prefix(12))
        #expect(throws: DataError.self) { try CSVFile.load(path: cut) }
    }

    @Test func wrongFieldCountNamesTheLineAndTheExpectedCount() throws {
        let folder = try TestFolder()
        let rows = (0..<5).map { "\($0),\($0),\($0),0" }.joined(separator: "\n")
        let path = try folder.write("count.csv", "a,b,c,d\n" + rows + "\n1,2,3,4,5\n")
        let expected = DataError.malformedLine(file: path, line: 7, "line 7 has 5 fields, the header has 4")
        #expect(throws: expected) { try CSVFile.load(path: path) }
        #expect(expected.description == "\(path):7: line 7 has 5 fields, the header has 4")
        let headerless = try folder.write("headerless.csv", "1,2,3\n4,5\n")
        #expect(throws: DataError.malformedLine(file: headerless, line: 2, "line 2 has 2 fields, line 1 has 3")) {
            try CSVFile.load(path: headerless)
        }
    }

    @Test func nonNumbersNameTheColumnAndLine() throws {
        let folder = try TestFolder()
        let named = try folder.write("named.csv", "x1,x2,y\n1,2,0\n1,abc,0\n")
        #expect(throws: DataError.malformedLine(file: named, line: 3, "'abc' in column 'x2' is not a number")) {
            try CSVFile.load(path: named)
        }
        let headerless = try folder.write("headerless.csv", "1,2,0\n3,4,zero\n")
        #expect(throws: DataError.malformedLine(file: headerless, line: 2, "'zero' in field 3 is not a number")) {
            try CSVFile.load(path: headerless)
        }
        let empty = try folder.write("empty-field.csv", "x1,x2,y\n1,,0\n")
        #expect(throws: DataError.malformedLine(file: empty, line: 2, "an empty field in column 'x2' is not a number; fill in the missing value or drop the row")) {
            try CSVFile.load(path: empty)
        }
        let notFinite = try folder.write("nan.csv", "x1,x2,y\n1,2,0\nnan,2,0\n")
        #expect(throws: DataError.malformedLine(file: notFinite, line: 3, "'nan' in column 'x1' is not a finite number; replace it or drop the row")) {
            try CSVFile.load(path: notFinite)
        }
        // A first row of numbers with a missing value is data, not a header.
        let firstRow = try folder.write("first.csv", "1,,0\n")
        #expect(throws: DataError.malformedLine(file: firstRow, line: 1, "an empty field in field 2 is not a number; fill in the missing value or drop the row")) {
            try CSVFile.load(path: firstRow)
        }
    }

    @Test func labelColumnProblemsListWhatThereIs() throws {
        let folder = try TestFolder()
        let path = try folder.write("cols.csv", "\n x1 ,x2,label\n1,2,0\n")
        #expect(throws: DataError.malformedLine(file: path, line: 2, "no column named 'target'; the columns are 'x1', 'x2', 'label'")) {
            try CSVFile.load(path: path, labelColumn: .named("target"))
        }
        #expect(throws: DataError.malformed(path, "the label column position 3 is out of range for 3 columns (use 0...2, or -3...-1 from the end)")) {
            try CSVFile.load(path: path, labelColumn: .position(3))
        }
        let headerless = try folder.write("headerless.csv", "1,2,0\n")
        #expect(throws: DataError.malformed(headerless, "the label column 'label' is given by name, but the file has no header row; give its 0-based position instead")) {
            try CSVFile.load(path: headerless, labelColumn: .named("label"))
        }
    }

    @Test func emptyAndDegenerateFilesAreClearErrors() throws {
        let folder = try TestFolder()
        let empty = try folder.write("empty.csv", "")
        #expect(throws: DataError.malformed(empty, "the file is empty; expected rows of comma-separated numbers")) {
            try CSVFile.load(path: empty)
        }
        let blank = try folder.write("blank.csv", "\n\r\n  \n")
        #expect(throws: DataError.malformed(blank, "the file is empty; expected rows of comma-separated numbers")) {
            try CSVFile.load(path: blank)
        }
        let headerOnly = try folder.write("header.csv", "a,b\n")
        #expect(throws: DataError.malformed(headerOnly, "has a header row but no data rows")) {
            try CSVFile.load(path: headerOnly)
        }
        let oneColumn = try folder.write("one.csv", "1\n2\n")
        #expect(throws: DataError.malformed(oneColumn, "needs at least two columns (features and a label), found 1")) {
            try CSVFile.load(path: oneColumn)
        }
        let missing = folder.file("absent.csv")
        #expect(throws: DataError.missingFile(missing)) { try CSVFile.load(path: missing) }
    }

    /// The fast decimal parser must give exactly the Float that `Float(String)` gives.
    @Test func numbersParseToTheNearestFloatInEveryNotation() throws {
        var generator = RandomGenerator(seed: 11)
        var texts: [String] = ["0", "-0", "+1", ".5", "5.", "1e0", "1E+2", "-2.5e-3", "3.4028235e38", "1.17549435e-38",
                               "1e-45", "123456789012345678901234567890", "0.000000000000000000000000001",
                               "16777217", "9007199254740993", "0.1", "0.30000000000000004", "2.7182818284590452353602874",
                               // Just above, at and below the midpoint 1 + 2^-24 between two Floats.
                               "1.00000005960464477550", "1.000000059604644775390625", "1.00000005960464477539062499"]
        for _ in 0..<3000 {
            let magnitude = Double(generator.nextUniform() * 40 - 20)
            let value = (generator.nextUniformDouble() - 0.5) * _pow10(magnitude)
            switch generator.next() % 5 {
            case 0: texts.append("\(value)")
            case 1: texts.append(String(format: "%.18e", value))
            case 2: texts.append(String(format: "%.9g", value))
            case 3: texts.append("\(Float(value))")
            default: texts.append(String(format: "%.3f", value))
            }
        }
        let folder = try TestFolder()
        let path = try folder.write("numbers.csv", texts.map { "\($0),0" }.joined(separator: "\n"))
        let data = try CSVFile.load(path: path)
        for (index, text) in texts.enumerated() {
            let expected = Float(text)!
            #expect(data.inputs.data[index].bitPattern == expected.bitPattern, "\(text)")
        }
    }
}

private func _pow10(_ exponent: Double) -> Double { Foundation.pow(10, exponent) }
