import ArgumentParser
import DDPTasks
import Foundation

/// The options of `fit` and `validate`, which are also the keys of `--config` files,
/// `--print-config` and `hparams.yaml` (`max-epochs: 20` is `--max-epochs 20`).
///
/// The options are declared once, in their groups (``TrainerSettings``, ... in DDPTasks), which
/// are also what the task is built from (``TaskSettings``). A configuration
/// file is read as the options it holds, placed before those on the command line (see
/// ``ConfigurationFile/expandingConfigFile(in:)``), so a run takes each option's default, then
/// the file's value, then the command line's. Lists are YAML sequences in a file
/// (`hidden: [256, 256]`) and comma-separated on the command line (`--hidden 256,256`).
struct RunConfiguration: ParsableArguments {
    @Option(help: "A YAML file of options (keys as the option names: 'max-epochs: 20'); options given here override it.")
    var config: String?

    /// Every other option, in its group.
    @OptionGroup var settings: TaskSettings

    /// Every option of the run, group by group in the order of `--help`.
    var entries: [OptionEntry] { settings.optionEntries }

    /// The folder checkpoints go to: `checkpoint-dir`, or `checkpoints` in the log folder.
    var resolvedCheckpointDir: String {
        settings.trainer.checkpointDir ?? (settings.trainer.logDir as NSString).appendingPathComponent("checkpoints")
    }
}

/// The configuration's values as YAML or JSON writes them: each option with a value, by its
/// key, in the order of the options; those without a value (no default, not given) left out.
struct ConfigurationRecord: Encodable {
    let entries: [OptionEntry]

    private struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for entry in entries {
            if let value = entry.value { try container.encode(value, forKey: Key(stringValue: entry.key)) }
        }
    }
}

extension RunConfiguration {
    /// The configuration as `--print-config` and `hparams.yaml` write it.
    var record: ConfigurationRecord { ConfigurationRecord(entries: entries) }
}
