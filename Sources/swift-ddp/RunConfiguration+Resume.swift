import DDPTasks
import Foundation

extension RunConfiguration {
    /// The keys a resumed run must share with its checkpoint to continue exactly: what builds
    /// the model and its data, the optimizer and scheduler and their settings, clipping. The
    /// trainer itself checks the seed, the global batch, the training set and accumulation;
    /// the rest of the trainer's options (epochs, steps, logging, checkpoints) may change on resume.
    var keysThatChangeTheRun: Set<String> {
        let trainerKeys = Set(settings.trainer.optionEntries.map(\.key)).subtracting(TrainerSettings.keysThatChangeTheRun)
        return Set(entries.map(\.key)).subtracting(trainerKeys)
    }

    /// The configuration as the checkpoint keeps it: each key's value as JSON text.
    var exactnessRecord: [String: String] {
        guard let data = try? JSONEncoder().encode(record),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        var record: [String: String] = [:]
        for (key, value) in object {
            let text = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])
            record[key] = text.map { String(decoding: $0, as: UTF8.self) }
        }
        return record
    }
}
