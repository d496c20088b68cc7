import ArgumentParser
import Foundation
import SwiftDDP

/// `ddp-worker gpt-replay --fixture DIR`: the first AdamW steps of the GPT recorded by
/// `Tests/Reference/gpt/record_gpt_reference.py`, from the same initial weights on the same
/// batch, each rank training on its contiguous share of the rows with gradients averaged
/// by ``GradientSync``. Rank 0 prints one JSON line per step: the loss, the learning rate,
/// the gradient norms (global and per parameter) and the gradient slices the script recorded.
struct GPTReplay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gpt-replay", abstract: "Replay the recorded PyTorch GPT steps; JSON lines on rank 0.")

    @Option(help: "The folder of gpt_replay.json and gpt_initial.safetensors.") var fixture: String
    @Flag(help: "Run as one process without MPI.") var debug = false

    func run() {
        let communicator = makeCommunicator(debug: debug)
        RankFailure.installSignalHandlers(rank: communicator.rank)
        RankFailure.run(communicator: communicator) {
            try replay(communicator: communicator)
        }
        MPICommunicator.finalize()
    }

    private func replay(communicator: any Communicator) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture + "/gpt_replay.json"))
        guard let record = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let sizes = record["config"] as? [String: Int], let rows = record["rows"] as? Int,
              let tokens = record["tokens"] as? [Int], let targets = record["targets"] as? [Int],
              let steps = record["steps"] as? [[String: Any]], let lr = record["lr"] as? Double,
              let betas = record["betas"] as? [Double], let weightDecay = record["weight_decay"] as? Double,
              let warmup = record["warmup_steps"] as? Int,
              let sliced = (steps.first?["grad_slices"] as? [String: Any]).map({ Array($0.keys).sorted() })
        else { throw UsageError(description: "\(fixture)/gpt_replay.json is not what record_gpt_reference.py writes") }
        let configuration = GPTConfiguration(
            vocabularySize: sizes["vocab_size"] ?? 0, blockSize: sizes["block_size"] ?? 0, layerCount: sizes["n_layer"] ?? 0,
            headCount: sizes["n_head"] ?? 0, embeddingSize: sizes["n_embd"] ?? 0)
        let (rank, worldSize) = (communicator.rank, communicator.worldSize)
        guard rows % worldSize == 0 else { throw UsageError(description: "\(rows) rows do not split over \(worldSize) ranks") }

        var generator = RandomGenerator(seed: 0)
        let model = GPT(configuration, using: &generator)
        try model.load(stateDict: SafeTensorsFile.read(from: fixture + "/gpt_initial.safetensors").dictionary, strict: true)
        let named = model.namedParameters()
        let groups = model.weightDecayGroups
        let optimizer = try AdamW([ParamGroup(groups.decayed, options: ["weight_decay": .number(weightDecay)]),
                                   ParamGroup(groups.undecayed, options: ["weight_decay": .number(0)])],
                                  lr: lr, betas: (betas[0], betas[1]))
        let scheduler = try WarmupCosineSchedule(warmupSteps: warmup, totalSteps: steps.count, learningRate: lr)
            .scheduler(for: optimizer)
        let sync = GradientSync(parameters: model.parameters(), communicator: communicator)

        let time = configuration.blockSize, share = rows / worldSize
        let mine = (rank * share * time)..<((rank + 1) * share * time)
        for step in 0..<steps.count {
            optimizer.zeroGrad()
            let loss = model.loss(Array(tokens[mine]), targets: Array(targets[mine]), batch: share, time: time)
            loss.backward()
            sync.synchronize()
            let meanLoss = communicator.mean([Double(loss.item)])[0]
            var norms: [String: Double] = [:]
            for (name, parameter) in named {
                norms[name] = (parameter.grad?.scalars ?? []).reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            }
            let total = norms.values.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let parameters = Dictionary(uniqueKeysWithValues: named.map { ($0.name, $0.tensor) })
            var slices: [String: [Double]] = [:]
            for name in sliced { slices[name] = (parameters[name]?.grad?.scalars.prefix(6) ?? []).map(Double.init) }
            let line: [String: Any] = ["step": step, "loss": meanLoss, "lr": optimizer.paramGroups[0].lr,
                                       "grad_norm": total, "grad_norms": norms, "grad_slices": slices]
            if communicator.isRoot {
                print(String(decoding: try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]), as: UTF8.self))
            }
            try optimizer.step()
            try scheduler.step()
        }
        fflush(nil)
    }
}
