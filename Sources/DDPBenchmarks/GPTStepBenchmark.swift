import DDPNN

/// The size of the GPT that `bench gpt` and `bench scaling` time.
public enum GPTStepBenchmark {
    /// 4 layers, 4 heads, 256 wide, context 128, 65 characters.
    public static let configuration = GPTConfiguration(
        vocabularySize: 65, blockSize: 128, layerCount: 4, headCount: 4, embeddingSize: 256)
    public static let batch = 16
}
