/// Who steps the optimizers during `fit`: the trainer (``TrainingModule/automaticOptimization``,
/// the default) or the module's training step.
enum OptimizationMode {
    case automatic
    case manual
}
