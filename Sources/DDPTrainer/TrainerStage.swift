/// What the trainer is running: the `stage` that ``TrainingModule/setup(stage:)`` and
/// ``TrainingModule/teardown(stage:)`` receive, as Lightning's `"fit"`, `"validate"`, `"test"`
/// and `"predict"`.
public enum TrainerStage: String, Sendable, CaseIterable {
    case fit, validate, test, predict
}
