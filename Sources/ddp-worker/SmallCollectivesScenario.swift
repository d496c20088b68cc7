import ArgumentParser
import Foundation
import SwiftDDP

/// All-reduces of every operation, of floats and doubles, small enough for the shared-memory
/// path on one machine and just too large for it, back to back with barriers between and
/// ranks arriving late in turn, each checked against the values every rank can compute; one
/// JSON line on rank 0.
struct SmallCollectives: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "small-collectives", abstract: "Check small all-reduces and barriers; one JSON line on rank 0.")

    @Option(parsing: .unconditional, help: "Rounds of reductions.") var rounds = 200

    func run() {
        let communicator = makeCommunicator()
        var mismatches = 0
        var resultBits: [UInt64] = []
        for round in 0..<rounds {
            // A rank arriving 2 ms late makes the others wait past their spin.
            if round % 7 == 0 && communicator.rank == round % communicator.worldSize { usleep(2_000) }
            if round % 5 == 0 { communicator.barrier() }
            for count in [1, 3, 64, 65] {
                mismatches += check(Double.self, count: count, round: round, communicator: communicator, bits: &resultBits)
            }
            for count in [2, 128, 129] {
                mismatches += check(Float.self, count: count, round: round, communicator: communicator, bits: &resultBits)
            }
        }
        // Through MPI, so that the check does not lean on what it checks.
        let hash = resultBits.reduce(UInt64(1469598103934665603)) { ($0 ^ $1) &* 1099511628211 }
        let report = communicator.allGather(Array("\(mismatches) \(hash)".utf8)).map { String(decoding: $0, as: UTF8.self) }
        if communicator.isRoot {
            let total = report.map { Int($0.split(separator: " ")[0]) ?? -1 }.reduce(0, +)
            let consistent = Set(report.map { $0.split(separator: " ")[1] }).count == 1
            print("{\"ranks\": \(communicator.worldSize), \"rounds\": \(rounds), \"mismatches\": \(total), \"consistent\": \(consistent)}")
        }
        MPICommunicator.finalize()
    }

    /// One sum, max and min of `count` values; returns how many elements differ from the
    /// expected ones (sums within 1e-6 of the sum of magnitudes: MPI may add in another order).
    private func check<Element: BinaryFloatingPoint>(
        _: Element.Type, count: Int, round: Int, communicator: any Communicator, bits: inout [UInt64]
    ) -> Int {
        func value(rank: Int, _ i: Int) -> Element {
            let sign: Element = (rank + i + round) % 3 == 0 ? -1 : 1
            return sign * (Element(rank + 1) * 0.37 + Element(i) * 0.011 + Element(round) * 0.5)
        }
        let ranks = 0..<communicator.worldSize
        var wrong = 0
        for operation in [ReduceOperation.sum, .max, .min] {
            var buffer = (0..<count).map { value(rank: communicator.rank, $0) }
            buffer.withUnsafeMutableBufferPointer { reduce($0, operation, communicator) }
            for i in 0..<count {
                let values = ranks.map { value(rank: $0, i) }
                switch operation {
                case .sum:
                    let expected = values.reduce(0, +)
                    if abs(buffer[i] - expected) > 1e-6 * values.map(abs).reduce(0, +) { wrong += 1 }
                case .max: if buffer[i] != values.max()! { wrong += 1 }
                case .min: if buffer[i] != values.min()! { wrong += 1 }
                }
                bits.append(UInt64(Double(buffer[i]).bitPattern))
            }
        }
        return wrong
    }

    private func reduce<Element>(_ buffer: UnsafeMutableBufferPointer<Element>, _ operation: ReduceOperation,
                                 _ communicator: any Communicator) {
        if let floats = buffer as? UnsafeMutableBufferPointer<Float> {
            communicator.allReduce(floats, operation)
        } else if let doubles = buffer as? UnsafeMutableBufferPointer<Double> {
            communicator.allReduce(doubles, operation)
        }
    }
}
