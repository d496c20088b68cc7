import DDPTensor
import Foundation

/// Deterministic mutations of a valid file, for fuzz tests of the readers: each call of
/// ``mutated(_:)`` applies one to three edits drawn from the generator seeded at creation,
/// so a failing input can be rebuilt from the seed and its index alone.
///
/// The edits are the ones that break readers in practice: flipped bits, bytes replaced by
/// boundary values (`0x00`, `0xFF`, `'9'`, separators), truncation, removed or duplicated
/// ranges, decimal numbers in a text header replaced by extreme ones
/// (`9223372036854775807`, `-1`, `1e400`), and binary words replaced by extreme values.
public struct ByteMutator {
    private var generator: RandomGenerator

    public init(seed: UInt64) { generator = RandomGenerator(seed: seed) }

    /// Bytes that end numbers, fields or strings, or sit at the edges of a type's range.
    static let interestingBytes: [UInt8] = [
        0x00, 0xFF, 0x7F, 0x80, 0x01, 0x20, UInt8(ascii: "9"), UInt8(ascii: "0"), UInt8(ascii: "-"),
        UInt8(ascii: ","), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "\n"), UInt8(ascii: "\r"),
        UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "."), UInt8(ascii: "e"),
    ]

    /// Texts that replace a decimal number: overflowing, negative, zero, non-finite.
    static let interestingNumbers = [
        "9223372036854775807", "9223372036854775808", "18446744073709551615", "99999999999999999999999",
        "-1", "-9223372036854775808", "0", "4294967295", "2147483648", "1e400", "-1e400", "nan", "inf", "1.5", "",
    ]

    /// Binary words (either byte order) that overflow sizes computed from them.
    static let interestingWords: [UInt64] = [
        0, 1, 0x7F, 0xFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000,
        0xFFFF_FFFF_FFFF_FFFF, 0x0000_0001_0000_0000,
    ]

    /// `bytes` after one to three random edits.
    public mutating func mutated(_ bytes: [UInt8]) -> [UInt8] {
        var result = bytes
        for _ in 0...Int(generator.next() % 3) { edit(&result) }
        return result
    }

    private mutating func index(below count: Int) -> Int {
        count <= 0 ? 0 : Int(generator.next() % UInt64(count))
    }

    /// Positions near the start are edited more often: headers live there.
    private mutating func position(in bytes: [UInt8]) -> Int {
        generator.next() % 2 == 0 ? index(below: min(bytes.count, 128)) : index(below: bytes.count)
    }

    private mutating func edit(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else {
            bytes = [Self.interestingBytes[index(below: Self.interestingBytes.count)]]
            return
        }
        switch generator.next() % 8 {
        case 0:  // flip one bit
            bytes[position(in: bytes)] ^= 1 << UInt8(generator.next() % 8)
        case 1:  // a boundary byte
            bytes[position(in: bytes)] = Self.interestingBytes[index(below: Self.interestingBytes.count)]
        case 2:  // truncate
            bytes.removeLast(bytes.count - index(below: bytes.count))
        case 3:  // duplicate a range in place
            let start = position(in: bytes)
            let end = min(bytes.count, start + 1 + index(below: 64))
            bytes.insert(contentsOf: bytes[start..<end], at: end)
        case 4:  // remove a range
            let start = position(in: bytes)
            bytes.removeSubrange(start..<min(bytes.count, start + 1 + index(below: 16)))
        case 5, 6:  // a decimal number in the text replaced by an extreme one
            replaceDecimalNumber(in: &bytes)
        default:  // a binary word replaced by an extreme value
            let width = [2, 4, 8][index(below: 3)]
            let start = position(in: bytes)
            guard start + width <= bytes.count else { return }
            let word = Self.interestingWords[index(below: Self.interestingWords.count)]
            let bigEndian = generator.next() % 2 == 0
            for offset in 0..<width {
                let shift = bigEndian ? 8 * (width - 1 - offset) : 8 * offset
                bytes[start + offset] = UInt8(truncatingIfNeeded: word >> UInt64(shift))
            }
        }
    }

    private mutating func replaceDecimalNumber(in bytes: inout [UInt8]) {
        let isDigit = { (byte: UInt8) in (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        let digitPositions = bytes.indices.filter { isDigit(bytes[$0]) }
        guard !digitPositions.isEmpty else { return }
        var start = digitPositions[index(below: digitPositions.count)]
        var end = start + 1
        while start > 0, isDigit(bytes[start - 1]) { start -= 1 }
        while end < bytes.count, isDigit(bytes[end]) { end += 1 }
        let number = Self.interestingNumbers[index(below: Self.interestingNumbers.count)]
        bytes.replaceSubrange(start..<end, with: Array(number.utf8))
    }
}

/// How many mutated inputs a fuzz test tries per reader: `SWIFT_DDP_FUZZ_COUNT` when set
/// (`Tests/fuzz/run-fuzz.sh` sets 10000), else `defaultCount`, small enough for the suite.
public func fuzzInputCount(default defaultCount: Int) -> Int {
    ProcessInfo.processInfo.environment["SWIFT_DDP_FUZZ_COUNT"].flatMap { Int($0) } ?? defaultCount
}
