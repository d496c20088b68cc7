import DDPData
import DDPTensor
import Testing

@Suite struct DistributedSamplerTests {
    @Test(arguments: [2, 3, 4])
    func unionOfRankBatchesIsTheSingleProcessBatch(worldSize: Int) throws {
        let data = TensorDataset(inputs: Tensor.arange(0, 48).reshaped([48, 1]), labels: Array(0..<48))
        let perRank = 3
        let single = try DataLoader(data, batchSize: perRank * worldSize, seed: 9)
        let ranks = try (0..<worldSize).map {
            try DataLoader(data, batchSize: perRank, seed: 9, rank: $0, worldSize: worldSize)
        }
        for epoch in 0..<2 {
            let reference = Array(single.batches(epoch: epoch))
            let perRankBatches = ranks.map { Array($0.batches(epoch: epoch)) }
            #expect(perRankBatches.allSatisfy { $0.count == reference.count })
            for k in reference.indices {
                let union = perRankBatches.flatMap { $0[k].labels }.sorted()
                #expect(union == reference[k].labels.sorted(), "epoch \(epoch) batch \(k)")
            }
        }
    }

    @Test func unevenDataGivesEveryRankTheSameBatchCount() throws {
        let data = TensorDataset(inputs: Tensor.zeros([10, 2]), labels: Array(0..<10))
        for remainder in [DistributedSampler.Remainder.pad, .drop] {
            let loaders = try (0..<4).map {
                try DataLoader(data, batchSize: 2, rank: $0, worldSize: 4, remainder: remainder)
            }
            let counts = loaders.map { Array($0.batches(epoch: 0)).count }
            #expect(Set(counts).count == 1, "\(remainder): \(counts)")
            #expect(loaders.allSatisfy { $0.batchesPerEpoch == counts[0] })
        }
        // Padding repeats samples so that every sample is seen; dropping leaves some out.
        let padded = (0..<4).flatMap { DistributedSampler(datasetCount: 10, rank: $0, worldSize: 4).indices(epoch: 0) }
        #expect(padded.count == 12 && Set(padded).count == 10)
        let dropped = (0..<4).flatMap {
            DistributedSampler(datasetCount: 10, rank: $0, worldSize: 4, remainder: .drop).indices(epoch: 0)
        }
        #expect(dropped.count == 8 && Set(dropped).count == 8)
    }

    @Test func unevenRemainderKeepsEverySampleOnce() {
        let all = (0..<3).flatMap {
            DistributedSampler(datasetCount: 10, rank: $0, worldSize: 3, remainder: .uneven).indices(epoch: 1)
        }
        #expect(all.sorted() == Array(0..<10))
    }

    @Test func shuffleDependsOnSeedAndEpochOnly() {
        let a = DistributedSampler(datasetCount: 100, seed: 3)
        #expect(a.globalOrder(epoch: 0) == DistributedSampler(datasetCount: 100, rank: 1, worldSize: 4, seed: 3).globalOrder(epoch: 0))
        #expect(a.globalOrder(epoch: 0) != a.globalOrder(epoch: 1))
        #expect(a.globalOrder(epoch: 0).sorted() == Array(0..<100))
        #expect(DistributedSampler(datasetCount: 5, shuffle: false).globalOrder(epoch: 7) == [0, 1, 2, 3, 4])
    }

    @Test func resumingMidEpochWithAnotherRankCountContinuesTheGlobalOrder() throws {
        let data = TensorDataset(inputs: Tensor.zeros([24, 1]), labels: Array(0..<24))
        // One rank with batch 4 consumed 2 batches (8 samples); two ranks with batch 2 go on.
        let consumed = Array(try DataLoader(data, batchSize: 4, seed: 1).batches(epoch: 0)).prefix(2).flatMap(\.labels)
        let resumed = try (0..<2).map {
            try DataLoader(data, batchSize: 2, seed: 1, rank: $0, worldSize: 2).batches(epoch: 0, skippingBatches: 2)
        }
        let rest = resumed.flatMap { Array($0).flatMap(\.labels) }
        #expect(Set(consumed).isDisjoint(with: rest))
        #expect((consumed + rest).sorted() == Array(0..<24))
    }

    @Test func badBatchSizeIsAClearError() {
        let data = TensorDataset(inputs: Tensor.zeros([4, 1]), labels: [0, 1, 0, 1])
        #expect(throws: DataError.invalidArgument("the batch size must be at least 1, got 0")) {
            try DataLoader(data, batchSize: 0)
        }
    }
}
