/// Reordering the elements of multi-dimensional arrays between memory layouts.
enum ArrayOrder {
    /// The elements of a column-major (Fortran-order) array of `shape`, in row-major order.
    static func rowMajor(fromColumnMajor source: [Float], shape: [Int]) -> [Float] {
        let rank = shape.count
        guard rank > 1, !source.isEmpty else { return source }
        // Column-major strides: the first index moves fastest.
        var strides = [Int](repeating: 1, count: rank)
        for axis in 1..<rank { strides[axis] = strides[axis - 1] * shape[axis - 1] }
        var result = [Float](repeating: 0, count: source.count)
        var index = [Int](repeating: 0, count: rank)
        var offset = 0
        for position in 0..<result.count {
            result[position] = source[offset]
            // Advance the row-major index (last axis fastest), updating the column-major offset.
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1
                offset += strides[axis]
                if index[axis] < shape[axis] { break }
                offset -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }
}
