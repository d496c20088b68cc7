import DDPData
import DDPTensor
import DDPTestSupport
import Foundation
import Testing

/// Character vocabularies, reading text files and the fortunes, and the windows a language
/// model trains on.
@Suite struct TextCorpusTests {
    func file(_ bytes: [UInt8]) throws -> String {
        let path = try makeTemporaryFolder() + "/text.txt"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func theVocabularyNumbersCharactersInCodePointOrderAndRoundTrips() throws {
        let vocabulary = CharacterVocabulary(of: "hello, wörld")
        #expect(vocabulary.text == " ,dehlorwö")
        let tokens = try vocabulary.encode("world, hello")
        #expect(tokens.allSatisfy { (0..<vocabulary.count).contains($0) })
        #expect(vocabulary.decode(tokens) == "world, hello")
        #expect(CharacterVocabulary(characters: vocabulary.text.unicodeScalars) == vocabulary)
    }

    @Test func encodingACharacterOutsideTheVocabularyNamesIt() {
        let vocabulary = CharacterVocabulary(of: "abc")
        #expect(throws: DataError.invalidArgument(
            "--prompt has 2 character(s) outside the model's vocabulary of 3: 'z', '\\u{20AC}'; use only characters the model was trained on")) {
            try vocabulary.encode("abzz€", describedAs: "--prompt")
        }
    }

    @Test func aTextFileIsReadAsUTF8() throws {
        let corpus = try TextCorpus.read(path: try file(Array("naïve text\n".utf8)))
        #expect(corpus.tokens.count == 11)
        #expect(corpus.vocabulary.decode(corpus.tokens) == "naïve text\n")
    }

    @Test func anEmptyOrNonUTF8FileIsRefusedNamingIt() throws {
        let empty = try file([])
        #expect(throws: DataError.malformed(empty, "is empty: give a UTF-8 text file with some text in it")) {
            try TextCorpus.read(path: empty)
        }
        let latin1 = try file(Array("caf".utf8) + [0xE9, 0x20, 0x6F, 0x6B])
        #expect(throws: DataError.malformed(latin1, "is not UTF-8 text (invalid byte at offset 3): convert it to UTF-8 (e.g. with iconv)")) {
            try TextCorpus.read(path: latin1)
        }
    }

    @Test func missingFortunesNameThePackage() throws {
        let folder = try makeTemporaryFolder()
        do {
            _ = try TextCorpus.fortunes(directory: folder)
            Issue.record("an empty folder gave a corpus")
        } catch let error as DataError {
            #expect(error.description.contains("install the Debian package fortunes"), "\(error)")
        }
    }

    @Test func theFortunesAreTheBuiltInText() throws {
        // Installed by launch/test, as the other data packages.
        let corpus = try TextCorpus.fortunes()
        #expect(corpus.tokens.count > 2_000_000)
        #expect(corpus.vocabulary.count > 60)
        let (training, validation) = corpus.split(validationFraction: 0.1)
        #expect(training.count + validation.count == corpus.tokens.count)
        #expect(Array(corpus.tokens.suffix(validation.count)) == validation)
    }

    @Test func windowsTargetTheNextCharacter() {
        let tokens = Array(0..<20)
        let windows = TextWindows(everyWindowOf: tokens, blockSize: 4)
        #expect(windows.count == 16)
        let batch = windows.batch(at: [0, 15, 7])
        #expect(batch.inputs.shape == [3, 4])
        #expect(batch.inputs.scalars == [0, 1, 2, 3, 15, 16, 17, 18, 7, 8, 9, 10])
        #expect(batch.labels == [1, 2, 3, 4, 16, 17, 18, 19, 8, 9, 10, 11])
    }

    @Test func validationWindowsDoNotOverlapAndSpreadOverTheText() {
        let windows = TextWindows(spreadOver: Array(0..<1000), blockSize: 10, limit: 8)
        #expect(windows.count == 8)
        #expect(zip(windows.starts, windows.starts.dropFirst()).allSatisfy { $1 - $0 >= 10 })
        #expect(windows.starts.first == 0 && windows.starts.last! > 800)
        #expect(TextWindows(spreadOver: Array(0..<25), blockSize: 10, limit: 8).starts == [0, 10])
    }

    @Test func ranksDrawDifferentWindowsEachEpoch() throws {
        let windows = TextWindows(everyWindowOf: Array(0..<5000), blockSize: 16)
        let loader = try DataLoader(windows, batchSize: 8, seed: 3)
        let first = try loader.sharded(rank: 0, worldSize: 2).batches(epoch: 0).first { _ in true }!
        let second = try loader.sharded(rank: 1, worldSize: 2).batches(epoch: 0).first { _ in true }!
        let nextEpoch = try loader.sharded(rank: 0, worldSize: 2).batches(epoch: 1).first { _ in true }!
        let starts = { (batch: Batch) in Set((0..<batch.count).map { Int(batch.inputs[$0, 0]) }) }
        #expect(starts(first).isDisjoint(with: starts(second)))
        #expect(starts(first) != starts(nextEpoch))
    }
}
