/// The size of the `--model resnet` step that `bench resnet` and `bench scaling` time.
public enum ResNetStepBenchmark {
    public static let blockWidths = [16, 32, 64]
    public static let batchSize = 64
}
