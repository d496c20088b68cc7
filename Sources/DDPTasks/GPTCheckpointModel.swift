import Foundation

/// What a checkpoint of `--task gpt` carries besides the weights, so that `swift-ddp
/// generate` rebuilds the model and reads and writes its characters: the sizes and the
/// vocabulary, as one JSON value under the metadata key `gpt` of the checkpoint's run
/// configuration (`{"block_size":128,"dropout":0,"n_embd":128,"n_head":4,"n_layer":4,
/// "vocab_size":113,"vocabulary":"\n !\"#..."}`).
public struct GPTCheckpointModel: Codable, Equatable {
    /// The key in the checkpoint's `run_configuration`.
    public static let metadataKey = "gpt"

    public var configuration: GPTConfiguration
    public var vocabulary: CharacterVocabulary

    public init(configuration: GPTConfiguration, vocabulary: CharacterVocabulary) {
        self.configuration = configuration
        self.vocabulary = vocabulary
    }

    private enum CodingKeys: String, CodingKey { case vocabulary }

    public init(from decoder: any Decoder) throws {
        configuration = try GPTConfiguration(from: decoder)
        let text = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .vocabulary)
        vocabulary = CharacterVocabulary(characters: text.unicodeScalars)
    }

    public func encode(to encoder: any Encoder) throws {
        try configuration.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(vocabulary.text, forKey: .vocabulary)
    }

    /// The JSON text stored in the checkpoint.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The model described in `runConfiguration` (a checkpoint's), or `nil` when the
    /// checkpoint is not of the gpt task.
    /// - Throws: ``TaskError`` when the description is there but unreadable.
    public static func read(from runConfiguration: [String: String], source: String) throws -> GPTCheckpointModel? {
        guard let text = runConfiguration[metadataKey] else { return nil }
        let model: GPTCheckpointModel
        do {
            model = try JSONDecoder().decode(GPTCheckpointModel.self, from: Data(text.utf8))
        } catch {
            throw TaskError("\(source): the gpt model description in its metadata is unreadable (\(error)): use a checkpoint written by swift-ddp --task gpt")
        }
        if let problem = model.configuration.problem {
            throw TaskError("\(source): the gpt model description in its metadata is invalid (\(problem)): use a checkpoint written by swift-ddp --task gpt")
        }
        guard model.vocabulary.count == model.configuration.vocabularySize else {
            throw TaskError("\(source): its vocabulary has \(model.vocabulary.count) characters for a model of \(model.configuration.vocabularySize): use a checkpoint written by swift-ddp --task gpt")
        }
        return model
    }
}
