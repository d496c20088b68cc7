import Testing
import SwiftDDP

@Suite struct VerifySameModelTests {
    private let model: [(String, [Int])] = [("0.weight", [16, 4]), ("0.bias", [16]), ("2.weight", [3, 16])]

    private func errors(_ models: [[(String, [Int])]]) throws -> [ModelMismatchError?] {
        try onRanks(models.count) { comm -> ModelMismatchError? in
            do {
                try verifySameModel(namedShapes: models[comm.rank], communicator: comm)
                return nil
            } catch let error as ModelMismatchError {
                return error
            }
        }
    }

    @Test func identicalModelsPass() throws {
        #expect(try errors([model, model, model]).allSatisfy { $0 == nil })
        try verifySameModel(namedShapes: model, communicator: LocalCommunicator())
    }

    @Test func aDifferentShapeIsReportedOnEveryRank() throws {
        var other = model
        other[0].1 = [17, 4]
        let found = try errors([model, model, other])
        let expected = ModelMismatchError(rank: 2, difference: "0.weight has shape [17, 4] on rank 2 but [16, 4] on rank 0")
        #expect(found == [expected, expected, expected])
        #expect(expected.description.contains("rank 2 built a different model than rank 0"))
    }

    @Test func aDifferentNameIsReported() throws {
        var other = model
        other[1].0 = "0.b"
        let found = try errors([model, other])
        #expect(found[0]?.rank == 1)
        #expect(found[0]?.difference == "entry 1 is '0.b' on rank 1 but '0.bias' on rank 0")
        #expect(found[1] == found[0])
    }

    @Test func aMissingEntryIsReported() throws {
        let found = try errors([model, Array(model.prefix(2))])
        #expect(found[0]?.difference == "2 entries on rank 1 but 3 on rank 0 (rank 0 has '2.weight' where rank 1 ends)")
    }
}

@Suite struct BroadcastTests {
    @Test func everyRankGetsRankZerosValues() throws {
        let results = try onRanks(3) { comm -> [[Float]] in
            let tensors = [Tensor([Float(comm.rank), 1, 2]), Tensor([Float(comm.rank * 10)], shape: [1, 1])]
            broadcastParameters(tensors, communicator: comm)
            return tensors.map(\.scalars)
        }
        for values in results { #expect(values == [[0, 1, 2], [0]]) }
    }
}

@Suite struct ParameterAuditTests {
    @Test func fingerprintSeesOneBitAndTheShape() {
        let a = Tensor([1, 2, 3, 4, 5]), b = a.copy()
        #expect(parameterFingerprint([a]) == parameterFingerprint([b]))
        b.data[4] = Float(bitPattern: b.data[4].bitPattern ^ 1)
        #expect(parameterFingerprint([a]) != parameterFingerprint([b]))
        #expect(parameterFingerprint([a]) != parameterFingerprint([Tensor(a.scalars + [0], shape: [2, 3]).copy()]))
        #expect(parameterFingerprint([Tensor([1, 2, 3, 4], shape: [2, 2])])
                != parameterFingerprint([Tensor([1, 2, 3, 4], shape: [4])]))
    }

    @Test func identicalReplicasPassAndADifferenceNamesStepAndRanks() throws {
        let results = try onRanks(4) { comm -> (passed: Bool, skipped: Bool, error: ParameterAuditError?) in
            let w = Tensor([1, 2, 3])
            let audit = ParameterAudit(parameters: [w], communicator: comm, interval: 2)
            var passed = true
            do { try audit.check(step: 0) } catch { passed = false }
            if comm.rank == 1 || comm.rank == 3 { w.data[2] += 1e-6 }
            var skipped = true
            do { try audit.check(step: 3) } catch { skipped = false }   // not a multiple of 2
            do {
                try audit.check(step: 4)
                return (passed, skipped, nil)
            } catch let error as ParameterAuditError {
                return (passed, skipped, error)
            }
        }
        let expected = ParameterAuditError(step: 4, differingRanks: [1, 3], worldSize: 4)
        for result in results {
            #expect(result.passed && result.skipped)
            #expect(result.error == expected)
        }
        #expect(expected.description.hasPrefix("parameters differ across ranks at step 4: ranks 1, 3 hold"))
    }
}

@Suite struct RankFailureMessageTests {
    struct Broken: Error, CustomStringConvertible { var description: String { "disk full" } }

    @Test func oneLineNamesTheRank() {
        let line = RankFailure.message(for: Broken(), rank: 3)
        #expect(line == "swift-ddp: rank 3: disk full")
        #expect(!line.contains("\n"))
    }
}
