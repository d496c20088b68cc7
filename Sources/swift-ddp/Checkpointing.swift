import DDPTasks

/// Where and when a run writes checkpoints, and which one it starts from.
struct CheckpointPlan: Equatable {
    enum Purpose: Equatable {
        /// Training: write checkpoints, and resume from `resumeFrom` when given.
        case fit
        /// `validate --checkpoint`: load the weights of `resumeFrom`, write nothing.
        case validate
    }

    var purpose: Purpose
    /// `checkpoint-dir`, or `checkpoints` in the log folder.
    var directory: String
    /// `checkpoint-every-n-steps`: a checkpoint every N optimizer steps besides the one per
    /// epoch and `last.safetensors`.
    var everyNSteps: Int?
    /// `resume` (fit) or `checkpoint` (validate): the checkpoint to start from.
    var resumeFrom: String?
    /// Whether the user asked for anything about checkpoints (a folder, a step interval, a
    /// checkpoint to start from).
    var isRequested: Bool
}

/// What checkpointing adds to a run: the callbacks that write checkpoints (fit), and the
/// checkpoint to resume from (fit; for `validate` its weights are loaded into the module).
struct CheckpointSetup {
    var callbacks: [any Callback] = []
    var resumePath: String?
}

/// Checkpointing for `fit` and `validate`, in one place.
enum Checkpointing {
    /// Sets up checkpoints for a run of `module` on `communicator`'s ranks as `plan` says.
    /// Called on every rank before training or validation starts.
    ///
    /// Checkpoint writing and resuming are not part of this build: a run that asks for them
    /// stops here with an error, and a run that does not runs without checkpoints.
    static func setUp(_ plan: CheckpointPlan, module: any TrainingModule, communicator: any Communicator) throws -> CheckpointSetup {
        guard plan.isRequested else { return CheckpointSetup() }
        throw CommandError("checkpointing is not available in this build: leave out --checkpoint-dir, --checkpoint-every-n-steps, --resume and validate --checkpoint")
    }
}
