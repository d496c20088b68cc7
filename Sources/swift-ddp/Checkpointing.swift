import DDPTasks
import Foundation

/// Where and when a run writes checkpoints, and which one it starts from.
struct CheckpointPlan: Equatable {
    enum Purpose: Equatable {
        /// Training: write checkpoints, and resume from `resumeFrom` when given.
        case fit
        /// `validate --checkpoint`: load the weights of `resumeFrom`, write nothing.
        case validate
        /// `test --checkpoint`: the same, for a test pass.
        case test
        /// `predict --checkpoint`: the same, for a prediction pass.
        case predict
    }

    var purpose: Purpose
    /// `checkpoint-dir`, or `checkpoints` in the log folder.
    var directory: String
    /// `checkpoint-every-n-steps`: a checkpoint every N optimizer steps besides the one per
    /// epoch and `last.safetensors`.
    var everyNSteps: Int?
    /// `resume` (fit) or `checkpoint` (validate, test): the checkpoint to start from.
    var resumeFrom: String?
    /// `force-resume`: resume even where the run's settings differ from the checkpoint's.
    var forceResume: Bool
}

/// What checkpointing adds to a run: the callbacks that write checkpoints (fit), and the
/// checkpoint to resume from (fit; for `validate` and `test` its weights are loaded into the module).
struct CheckpointSetup {
    var callbacks: [any Callback] = []
    var resumePath: String?
    /// The global step the resumed run continues from (`nil`: a fresh run).
    var resumedStep: Int?
}

/// Checkpointing for `fit`, `validate`, `test` and `predict`, in one place.
enum Checkpointing {
    /// Sets up checkpoints for a run of `module` as `plan` says; called on every rank before
    /// training or validation starts.
    ///
    /// `fit` saves a checkpoint after every epoch (keeping the newest, as Lightning's default
    /// `ModelCheckpoint`), every `everyNSteps` optimizer steps when asked, and the state at
    /// each save and at the end in `last.safetensors`. `validate`, `test` and `predict` load the weights
    /// of the plan's checkpoint into `module`.
    static func setUp(_ plan: CheckpointPlan, module: any TrainingModule) throws -> CheckpointSetup {
        switch plan.purpose {
        case .fit:
            let saver = ModelCheckpoint(directory: plan.directory, everyNTrainSteps: plan.everyNSteps,
                                        everyNEpochs: 1)
            var setup = CheckpointSetup(callbacks: [saver], resumePath: plan.resumeFrom)
            if let resume = plan.resumeFrom {
                // Read here to find where the logs continue; the trainer reads it again to restore.
                let path = resume == "last" ? saver.lastPath : resume
                setup.resumedStep = try Checkpoint.read(from: path).progress.globalStep
            }
            return setup
        case .validate, .test, .predict:
            guard let path = plan.resumeFrom else {
                throw CommandError("\(plan.purpose) needs --checkpoint FILE")
            }
            try Checkpoint.read(from: path).loadModelState(into: module, source: path)
            return CheckpointSetup()
        }
    }
}
