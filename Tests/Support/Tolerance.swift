/// Whether `value` is within `relative · |expected|` of `expected`.
///
/// For a figure that reached the logs through another computation than the one it is
/// compared with (an epoch mean is a weighted sum divided by its weights), so its last bits
/// may differ; floats computed two ways are never compared exactly.
public func isClose(_ value: Double?, to expected: Double, relative: Double = 1e-12) -> Bool {
    guard let value else { return false }
    return abs(value - expected) <= relative * abs(expected)
}
