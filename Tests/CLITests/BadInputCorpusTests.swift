import DDPTasks
import DDPTestSupport
import Foundation
import Testing

/// More than 200 mistakes a user can make on the command line, each answered by one line
/// `swift-ddp: error: ...` and a non-zero exit before any training: never a crash, a hang,
/// a silent acceptance or a second line. Most are made from the option declarations, so an
/// option added later is covered too.
@Suite struct BadInputCorpusTests {
    struct Case: CustomStringConvertible, Sendable {
        var arguments: [String]
        /// Text the error line must contain.
        var expected: String
        var description: String { arguments.joined(separator: " ") }
    }

    static let corpus: [Case] = {
        var cases: [Case] = []
        let entries = TaskSettings.parsedDefaults.optionEntries
        // A word where a number belongs, and nan where a real number belongs.
        for entry in entries where entry.valueType == Int.self || entry.valueType == Double.self || entry.valueType == UInt64.self {
            cases.append(Case(arguments: ["--\(entry.key)", "many"], expected: "--\(entry.key)"))
            if entry.valueType == Double.self {
                cases.append(Case(arguments: ["--\(entry.key)=nan"], expected: "--\(entry.key)"))
            }
        }
        // Every optimizer hyper-parameter given to an optimizer that does not take it.
        let values = ["betas": "0.9,0.99", "line-search": "strong_wolfe", "max-iter": "5", "history-size": "5"]
        for (key, takers) in OptimizerSettings.optimizersTaking.sorted(by: { $0.key < $1.key }) {
            for optimizer in OptimizerSettings.names where !takers.contains(optimizer) {
                let value: [String] = ["nesterov", "amsgrad"].contains(key) ? [] : [values[key] ?? "0.5"]
                cases.append(Case(arguments: ["--optimizer", optimizer, "--\(key)"] + value,
                                  expected: "--\(key) does not apply to \(optimizer)"))
            }
        }
        // Every scheduler parameter without a scheduler.
        let schedulerValues = ["milestones": "2,4", "monitor": "val_loss", "mode": "max"]
        for key in SchedulerSettings.schedulersTaking.keys.sorted() {
            let integer = entries.first { $0.key == key }?.valueType == Int.self
            cases.append(Case(arguments: ["--\(key)", schedulerValues[key] ?? (integer ? "3" : "0.5")],
                              expected: "--\(key) does not apply without a scheduler"))
        }
        // And mistakes of every other kind.
        let others: [([String], String)] = [
            (["--task", "nosuch"], "unknown task 'nosuch'"), (["--optimizer", "adamz"], "unknown optimizer 'adamz'"),
            (["--scheduler", "cosinus"], "unknown scheduler 'cosinus'"), (["--lr", "0"], "--lr must be a positive number"),
            (["--lr", "-0.1"], "--lr must be a positive number"), (["--max-epochs", "0"], "--max-epochs must be at least 1"),
            (["--max-steps", "-5"], "--max-steps must be at least 1"), (["--batch-size", "-1"], "--batch-size must be at least 1"),
            (["--accumulate-grad-batches", "0"], "--accumulate-grad-batches"), (["--gradient-clip-val", "-1"], "--gradient-clip-val"),
            (["--gradient-clip-algorithm", "max"], "--gradient-clip-algorithm takes norm or value"),
            (["--val-check-interval", "1.5"], "--val-check-interval"), (["--log-every-n-steps", "0"], "--log-every-n-steps"),
            (["--checkpoint-every-n-steps", "0"], "--checkpoint-every-n-steps"), (["--check-consistency", "0"], "--check-consistency"),
            (["--nan-policy", "ignore"], "--nan-policy takes error, skip or continue"),
            (["--collective-timeout", "-1"], "--collective-timeout"), (["--val-split", "1"], "--val-split"),
            (["--val-split", "-0.2"], "--val-split"), (["--hidden", "0,16"], "--hidden takes positive widths"),
            (["--hidden", "16,x"], "--hidden"), (["--scheduler-interval", "batch"], "--scheduler-interval takes step or epoch"),
            (["--scheduler", "step"], "--scheduler step needs --step-size"), (["--scheduler", "multistep"], "needs --milestones"),
            (["--scheduler", "exponential"], "needs --gamma"), (["--scheduler", "cyclic"], "needs --max-lr"),
            (["--scheduler", "cosine-warm-restarts"], "needs --t0"), (["--scheduler", "plateau", "--mode", "up"], "--mode takes min or max"),
            (["--optimizer", "adam", "--betas", "0.9"], "--betas takes two numbers"),
            (["--optimizer", "lbfgs", "--line-search", "armijo"], "--line-search takes strong_wolfe"),
            (["--scheduler", "step", "--step-size", "2", "--gamma", "0"], "--gamma"),
            (["--data", "/nonexistent/data.csv"], "no such file"), (["--max-epoch", "3"], "--max-epoch"),
            (["--config", "/nonexistent/run.yaml"], "no such configuration file"), (["--lr"], "--lr"),
            (["--strategy", "zero2"], "--strategy"), (["--task", "lbfgs", "--strategy", "zero1"], "--strategy zero1"),
            (["--optimizer", "lbfgs", "--strategy", "zero1"], "--strategy zero1"),
            (["--resume", "/nonexistent/last.safetensors"], "does not exist"), (["--init-from", "/nonexistent/w.safetensors"], "--init-from"),
        ]
        cases += (others + RunControlCommandTests.badRunControls).map { Case(arguments: $0.0, expected: $0.1) }
        // The digits load fast; the mistake, not the data, is what each case is about.
        return cases.map { item in
            var item = item
            if !item.arguments.contains("--data") { item.arguments = ["--data", "digits"] + item.arguments }
            return item
        }
    }()

    @Test func theCorpusHoldsAtLeast200Mistakes() {
        #expect(Self.corpus.count >= 200, "\(Self.corpus.count)")
    }

    @Test(arguments: corpus)
    func eachMistakeGetsOneLine(_ mistake: Case) throws {
        try BadInputTests().expectOneLineError(mistake.arguments, containing: [mistake.expected])
    }
}
