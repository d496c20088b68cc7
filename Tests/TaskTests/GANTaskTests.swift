import DDPTasks
import DDPTestSupport
import Testing

// Serialized: training cases running side by side on a small machine mostly wait on each other.
@Suite(.serialized) struct GANTaskTests {
    // Seeds 0 to 3 all reach 8/8 with a high-quality fraction near 0.6 in both modes; one
    // seed keeps the suite short.
    @Test(arguments: [GANOptions.Optimization.manual, .automatic])
    func coversEveryModeOfTheRing(optimization: GANOptions.Optimization) throws {
        let task = try GANTask(GANOptions(data: .ring, optimization: optimization, seed: 0))
        let before = try task.sampleQuality()
        let run = try fitTask(task, epochs: 40, globalBatchSize: 128, validate: true) { try task.loaders(batchSize: $0) }
        let after = try task.sampleQuality()
        print("GAN ring, \(optimization) optimization: mode_coverage \(before.coveredModes)/8 -> \(after.coveredModes)/8, high_quality_fraction \(before.highQualityFraction) -> \(after.highQualityFraction), samples per mode \(after.samplesPerMode), \(run.values("d_loss").count) steps in \(run.seconds) s")
        #expect(before.coveredModes < 8 && before.highQualityFraction < 0.1, "the untrained generator already covers the ring")
        #expect(after.coveredModes == 8)
        #expect(after.highQualityFraction > 0.4)
        // The validation run logs the same figures (a count exactly, a fraction to its last bits).
        #expect(run.metrics["mode_coverage"] == Double(after.coveredModes))
        #expect(isClose(run.metrics["high_quality_fraction"], to: after.highQualityFraction),
                "\(run.metrics["high_quality_fraction"] ?? .nan) against \(after.highQualityFraction)")
        #expect(run.values("d_loss").allSatisfy(\.isFinite) && run.values("g_loss").allSatisfy(\.isFinite))
    }

    @Test func learnsDigitsOfMostClasses() throws {
        let task = try GANTask(GANOptions(data: .digits, hiddenSize: 256))
        let before = try task.sampleQuality()
        let run = try fitTask(task, epochs: 20, globalBatchSize: 128, validate: true) { try task.loaders(batchSize: $0) }
        let after = try task.sampleQuality()
        print("GAN digits: classes covered \(before.coveredModes)/10 -> \(after.coveredModes)/10, high_quality_fraction \(before.highQualityFraction) -> \(after.highQualityFraction), \(run.values("d_loss").count) steps in \(run.seconds) s")
        #expect(before.highQualityFraction < 0.1)
        #expect(after.coveredModes >= 8 && after.highQualityFraction > 0.4)
        #expect(run.metrics["val_real_accuracy"] != nil)
    }

    static let layouts: [(name: String, options: GANOptions, names: [String])] = [
        ("manual", GANOptions(optimization: .manual, hiddenSize: 32), ["d_loss", "g_loss", "train_loss"]),
        ("automatic", GANOptions(optimization: .automatic, hiddenSize: 32), ["d_loss", "g_loss", "train_loss"]),
        ("automatic, 2 discriminator batches per generator batch",
         GANOptions(optimization: .automatic, hiddenSize: 32, generatorFrequency: 1, discriminatorFrequency: 2), []),
    ]

    @Test(arguments: 0..<3)
    func trainsAlikeOnTwoRanksAndOneProcess(layout: Int) throws {
        let (name, options, names) = Self.layouts[layout]
        let steps = 6
        let (single, distributed) = try singleAndTwoRanks { communicator in
            let task = try GANTask(options)
            return try fitTask(task, steps: steps, globalBatchSize: 64, communicator: communicator) { try task.loaders(batchSize: $0) }
        }
        if names.isEmpty {
            // Frequencies 1 and 2: the generator trains on batches 0 and 3, the discriminator on the others.
            #expect(single.values("g_loss").count == 2 && single.values("d_loss").count == 4, "\(name)")
            #expect(single.values("train_loss").isEmpty)
            expectSameTraining(single, distributed, names: ["g_loss"], steps: 2)
            expectSameTraining(single, distributed, names: ["d_loss"], steps: 4)
        } else {
            expectSameTraining(single, distributed, names: names, steps: steps)
        }
    }

    @Test func drawsTheSameNoiseForAGlobalBatchOnAnyNumberOfRanks() {
        let noise = BatchNoise(seed: 9, dimension: 3)
        let whole = noise.rows(batchNumber: 4, localCount: 6, rank: 0, worldSize: 1).scalars
        let ranks = (0..<3).map { noise.rows(batchNumber: 4, localCount: 2, rank: $0, worldSize: 3).scalars }
        // Rank r holds global positions r, r + 3 of the batch.
        for position in 0..<6 {
            let row = Array(ranks[position % 3][(position / 3 * 3)..<(position / 3 * 3 + 3)])
            #expect(row == Array(whole[(position * 3)..<(position * 3 + 3)]))
        }
        #expect(noise.rows(batchNumber: 5, localCount: 6, rank: 0, worldSize: 1).scalars != whole)
        #expect(noise.rows(batchNumber: 4, localCount: 6, rank: 0, worldSize: 1, stream: 1).scalars != whole)
    }

    @Test func rejectsFrequenciesThatCannotApply() {
        #expect(throws: TaskError.self) { try GANTask(GANOptions(optimization: .automatic, generatorFrequency: 1)) }
        #expect(throws: TaskError.self) {
            try GANTask(GANOptions(optimization: .manual, generatorFrequency: 1, discriminatorFrequency: 2))
        }
        #expect(throws: TaskError.self) { try GANTask(GANOptions(latentSize: 0)) }
    }
}
