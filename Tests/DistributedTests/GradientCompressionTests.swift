import DDPTestSupport
import Foundation
import Testing
import DDPDistributed
import DDPTensor

/// `--gradient-compression bf16`: buckets travel as bfloat16 and are summed in 32-bit floats.
struct GradientCompressionTests {
    /// Rounding to bfloat16 keeps the upper 16 bits, to nearest with ties to even, checked on
    /// values whose neighbours are known exactly.
    @Test func bfloat16RoundsToNearestWithTiesToEven() {
        #expect(BFloat16.bits(1) == 0x3F80)
        #expect(BFloat16.bits(-2) == 0xC000)
        // 1 + 2^-8 lies halfway between 1 (0x3F80, even) and 1 + 2^-7 (0x3F81): to even.
        #expect(BFloat16.bits(1 + 0x1p-8) == 0x3F80)
        // 1 + 3 * 2^-8 lies halfway between 0x3F81 and 0x3F82 (even).
        #expect(BFloat16.bits(1 + 3 * 0x1p-8) == 0x3F82)
        // Just above the halfway point rounds up.
        #expect(BFloat16.bits(1 + 0x1p-8 + 0x1p-20) == 0x3F81)
        #expect(BFloat16.value(0x3F81) == 1 + 0x1p-7)
        #expect(BFloat16.value(BFloat16.bits(.nan)).isNaN)
        #expect(BFloat16.value(BFloat16.bits(.infinity)) == .infinity)
        // The largest float rounds past bfloat16's largest finite value.
        #expect(BFloat16.value(BFloat16.bits(.greatestFiniteMagnitude)) == .infinity)
    }

    /// Three ranks in one process: every rank ends with the same bits, within bfloat16's
    /// precision of the exact mean, a gradient no rank has stays `nil`, and one that only
    /// some ranks have counts as zeros elsewhere.
    @Test func threeRanksAgreeBitwiseOnAMeanWithinBFloat16Precision() throws {
        let ranks = 3, count = 1001
        let gradients: [[Float]] = (0..<ranks).map { rank in
            var generator = RandomGenerator(seed: 40 + UInt64(rank))
            return (0..<count).map { _ in Float.random(in: -3...3, using: &generator) }
        }
        let results = try ThreadGroupCommunicator.run(worldSize: ranks) { communicator -> ([Float], Bool, [Float]) in
            let weight = Tensor.zeros([count], requiresGrad: true)
            let unused = Tensor.zeros([4], requiresGrad: true)
            let partial = Tensor.zeros([2], requiresGrad: true)
            let sync = GradientSync(parameters: [weight, unused, partial], communicator: communicator,
                                    bucketCapacityBytes: 1 << 20, compression: .bf16)
            #expect(!sync.buckets.contains { $0.isInSharedMemory })
            weight.grad = Tensor(gradients[communicator.rank], shape: [count])
            partial.grad = communicator.rank == 0 ? Tensor([1, 1], shape: [2]) : nil
            sync.synchronize()
            return (weight.grad!.scalars, unused.grad == nil, partial.grad?.scalars ?? [])
        }.map { try $0.get() }
        for rank in 1..<ranks {
            #expect(results[rank].0.map(\.bitPattern) == results[0].0.map(\.bitPattern), "rank \(rank) differs")
        }
        for i in 0..<count {
            let exact = (0..<ranks).map { Double(gradients[$0][i]) }.reduce(0, +) / Double(ranks)
            // Each input rounds by at most 2^-9 of itself (up to 3), the mean once more.
            let bound = 3 * 0x1p-9 + abs(exact) * 0x1p-8
            #expect(abs(Double(results[0].0[i]) - exact) <= bound, "element \(i): \(results[0].0[i]) vs \(exact)")
        }
        #expect(results.allSatisfy { $0.1 })
        // Rank 0's ones averaged with two ranks' zeros: 1/3 in bfloat16.
        #expect(results[0].2 == [BFloat16.value(BFloat16.bits(1.0 / 3)), BFloat16.value(BFloat16.bits(1.0 / 3))])
    }
}

/// The same under `mpirun` (shared memory available, and not used) and across two simulated hosts.
@Suite(.serialized) struct GradientCompressionJobTests {
    let worker = MPIJob.binary("ddp-worker")

    private func final(_ job: JobResult) throws -> (losses: [Double], parameters: [Double], sharedMemory: Bool) {
        try #require(job.exitCode == 0 && !job.timedOut, "\(job)")
        let lines = job.jsonLines
        let final = try #require(lines.first { $0["final"] as? Bool == true }, "\(job)")
        return (lines.compactMap { $0["loss"] as? Double }, try #require(final["parameters"] as? [Double]),
                try #require(final["shared_memory"] as? Bool))
    }

    /// Replicas stay bitwise equal (`--audit 1` after every step), the run follows the 32-bit
    /// one within bfloat16's precision, and differs from it (the option took effect).
    @Test func twoRanksTrainThroughBFloat16AndStayBitwiseEqual() throws {
        let reference = try final(MPIJob.run(worker, ["train", "--debug"], ranks: nil))
        let plain = try final(MPIJob.run(worker, ["train", "--audit", "1"], ranks: 2))
        let compressed = try final(MPIJob.run(worker, ["train", "--audit", "1", "--compression", "bf16"], ranks: 2))
        #expect(!compressed.sharedMemory)
        #expect(compressed.losses.count == reference.losses.count)
        #expect(maxRelativeDifference(compressed.losses, reference.losses) <= 2e-2, "\(compressed.losses) vs \(reference.losses)")
        #expect(compressed.parameters != plain.parameters)
    }

    @Test(.enabled(if: MPIJob.canSimulateCluster, "simulating hosts needs root and iproute2"))
    func twoHostsTrainThroughBFloat16LikeTwoRanksOnOneHost() throws {
        let oneHost = try final(MPIJob.run(worker, ["train", "--compression", "bf16"], ranks: 2))
        let twoHosts = try final(MPIJob.runOnCluster(worker, ["train", "--audit", "1", "--compression", "bf16"], hosts: 2))
        // The same exchange of the same bytes, whatever the transport: the same bits.
        #expect(twoHosts.parameters == oneHost.parameters)
        #expect(twoHosts.losses == oneHost.losses)
    }
}
