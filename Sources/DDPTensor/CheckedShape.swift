extension Tensor {
    /// The number of elements of `shape`, or `nil` when a dimension is negative or the
    /// product of its non-zero dimensions does not fit in `Int`.
    ///
    /// Shapes read from files are checked with this before a tensor of that shape is made:
    /// tensor code multiplies dimensions (counts, strides, reshapes) with trapping
    /// arithmetic, in any order, and skipping zeros makes every partial product fit too.
    public static func checkedElementCount(of shape: [Int]) -> Int? {
        var product = 1
        for size in shape {
            guard size >= 0 else { return nil }
            guard size > 0 else { continue }
            let (next, overflow) = product.multipliedReportingOverflow(by: size)
            if overflow { return nil }
            product = next
        }
        return shape.contains(0) ? 0 : product
    }

    /// `count` elements of `size` bytes each, or `nil` when that does not fit in `Int`.
    public static func checkedByteCount(_ count: Int, elementSize size: Int) -> Int? {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: size)
        return overflow ? nil : bytes
    }
}
