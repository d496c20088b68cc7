/// Parses decimal numbers straight from bytes, for reading large text files quickly.
///
/// The common case (up to 19 significant digits, a decimal exponent within ±22) is computed
/// in `Double` with a known error bound and rounded to `Float`; when that rounding could go
/// either way, or for anything else (`nan`, `inf`, hexadecimal, huge exponents), the
/// standard library's correctly rounded parser decides. The result is therefore always the
/// `Float` nearest to the written value, as `Float(String)` gives, at a fraction of the cost.
enum DecimalNumber {
    /// The value of the `count` bytes at `start`, or `nil` when they are not a number.
    /// Surrounding spaces must already be trimmed.
    static func parse(_ start: UnsafePointer<UInt8>, count: Int) -> Float? {
        if count == 0 { return nil }
        var i = 0
        var negative = false
        if start[0] == UInt8(ascii: "-") || start[0] == UInt8(ascii: "+") {
            negative = start[0] == UInt8(ascii: "-")
            i = 1
        }
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var exponent = 0
        var sawDigit = false
        while i < count, case let digit = start[i] &- UInt8(ascii: "0"), digit < 10 {
            sawDigit = true
            if significantDigits < 19 {
                mantissa = mantissa * 10 + UInt64(digit)
                if mantissa != 0 { significantDigits += 1 }
            } else {
                exponent += 1  // a dropped integer digit still scales the value
            }
            i += 1
        }
        if i < count, start[i] == UInt8(ascii: ".") {
            i += 1
            while i < count, case let digit = start[i] &- UInt8(ascii: "0"), digit < 10 {
                sawDigit = true
                if significantDigits < 19 {
                    mantissa = mantissa * 10 + UInt64(digit)
                    if mantissa != 0 { significantDigits += 1 }
                    exponent -= 1
                }
                i += 1
            }
        }
        guard sawDigit else { return slowParse(start, count: count) }
        if i < count, start[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var exponentNegative = false
            if i < count, start[i] == UInt8(ascii: "-") || start[i] == UInt8(ascii: "+") {
                exponentNegative = start[i] == UInt8(ascii: "-")
                i += 1
            }
            var written = 0
            var sawExponentDigit = false
            while i < count, case let digit = start[i] &- UInt8(ascii: "0"), digit < 10 {
                sawExponentDigit = true
                if written < 100_000 { written = written * 10 + Int(digit) }
                i += 1
            }
            guard sawExponentDigit else { return nil }
            exponent += exponentNegative ? -written : written
        }
        guard i == count else { return slowParse(start, count: count) }
        if mantissa == 0 { return negative ? -0.0 : 0 }
        guard (-22...22).contains(exponent) else { return slowParse(start, count: count) }

        // Double(mantissa), the power of ten (exact up to 1e22), the dropped digits (under
        // 1e-18 relative) and the product each err by at most 2^-53 relative: 2^-50 bounds all.
        var value = Double(mantissa)
        value = exponent >= 0 ? value * powersOfTen[exponent] : value / powersOfTen[-exponent]
        let rounded = Float(value)
        let margin = value * 0x1p-50
        guard Float(value - margin) == rounded, Float(value + margin) == rounded else {
            return slowParse(start, count: count)
        }
        return negative ? -rounded : rounded
    }

    /// The standard library's parser, for the rare numbers the fast path leaves undecided.
    private static func slowParse(_ start: UnsafePointer<UInt8>, count: Int) -> Float? {
        Float(String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self))
    }

    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }
}
