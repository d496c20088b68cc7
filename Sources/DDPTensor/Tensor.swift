/// A dense, contiguous, row-major array of `Float32` that can record how it was computed.
///
/// A tensor is a reference type, as in PyTorch: a parameter shared by a module and an
/// optimizer is one object, and updating it in place is seen by both.
///
///     let w = Tensor.randn([3, 4], requiresGrad: true)
///     let loss = (w * w).sum()
///     loss.backward()          // w.grad == 2 * w
public final class Tensor {
    /// The size of each dimension; `[]` for a scalar.
    public let shape: [Int]
    /// The number of elements (the product of `shape`).
    public let count: Int
    /// The memory holding the elements, shared with views of this tensor.
    public let storage: TensorStorage
    /// Where this tensor's first element sits in `storage`.
    public let storageOffset: Int

    /// The accumulated gradient of a leaf tensor, filled by ``backward(retainGraph:)``.
    public var grad: Tensor?

    /// Where gradients of this leaf go when ``grad`` is `nil`: a view into a flat buffer
    /// (set by gradient synchronisation), so that backward writes straight into it.
    public var gradDestination: Tensor?

    /// The recorded operation that produced this tensor; `nil` for leaves.
    var gradFunction: GradFunction?

    /// The gradient flowing into a non-leaf tensor during one backward pass.
    var pendingGrad: Tensor?

    private var _requiresGrad: Bool

    /// Creates a tensor over existing storage (a view when other tensors share it).
    public init(shape: [Int], storage: TensorStorage, offset: Int = 0, requiresGrad: Bool = false) {
        let count = shape.reduce(1, *)
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(offset >= 0 && offset + count <= storage.count,
                     "a view of \(count) elements at offset \(offset) does not fit a storage of \(storage.count)")
        self.shape = shape
        self.count = count
        self.storage = storage
        self.storageOffset = offset
        self._requiresGrad = requiresGrad
    }

    /// Creates an uninitialised tensor; every element must be written before it is read.
    public convenience init(uninitializedShape shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(count: shape.reduce(1, *)))
    }

    /// Creates a tensor holding `scalars` in row-major order.
    public convenience init(_ scalars: [Float], shape: [Int], requiresGrad: Bool = false) {
        precondition(scalars.count == shape.reduce(1, *),
                     "\(scalars.count) values do not fill a tensor of shape \(shape)")
        self.init(uninitializedShape: shape)
        scalars.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
        _requiresGrad = requiresGrad
    }

    /// Creates a one-dimensional tensor.
    public convenience init(_ scalars: [Float], requiresGrad: Bool = false) {
        self.init(scalars, shape: [scalars.count], requiresGrad: requiresGrad)
    }

    /// Creates a scalar (zero-dimensional) tensor.
    public convenience init(scalar: Float, requiresGrad: Bool = false) {
        self.init([scalar], shape: [], requiresGrad: requiresGrad)
    }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// A pointer to the first element. Valid while the tensor is alive.
    public var data: UnsafeMutablePointer<Float> { storage.base + storageOffset }

    /// `true` for tensors that were not produced by a recorded operation.
    public var isLeaf: Bool { gradFunction == nil }

    /// Whether gradients flow to (a leaf) or through (a result) this tensor.
    ///
    /// Only leaves can be changed: turning it off freezes a parameter, so no gradient
    /// reaches it.
    public var requiresGrad: Bool {
        get { _requiresGrad }
        set {
            precondition(isLeaf || newValue,
                         "requiresGrad can only be turned off on a leaf tensor; use detached() for results")
            _requiresGrad = newValue
        }
    }

    /// The elements in row-major order.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    /// The single value of a one-element tensor (as `tensor.item()`).
    public var item: Float {
        precondition(count == 1, "item needs a tensor with one element, not shape \(shape)")
        return data.pointee
    }

    /// Reads or writes the element at a multi-dimensional index (slow; for tests and tools).
    public subscript(_ index: Int...) -> Float {
        get { data[flatIndex(index)] }
        set { data[flatIndex(index)] = newValue }
    }

    /// Marks a freshly recorded result as requiring grad (results bypass the leaf-only setter).
    func _setRequiresGradForResult() { _requiresGrad = true }

    private func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == rank, "index \(index) does not match shape \(shape)")
        var flat = 0
        for (i, size) in zip(index, shape) {
            precondition(i >= 0 && i < size, "index \(index) is out of range for shape \(shape)")
            flat = flat * size + i
        }
        return flat
    }

    /// A new leaf sharing this tensor's storage, cut from the graph (as `detach()`).
    public func detached() -> Tensor {
        Tensor(shape: shape, storage: storage, offset: storageOffset)
    }

    /// A deep copy as a new leaf with its own storage.
    public func copy() -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        result.data.update(from: data, count: count)
        return result
    }

    /// Overwrites this tensor's elements with `other`'s (same number of elements), outside autograd.
    public func assign(_ other: Tensor) {
        precondition(other.count == count, "cannot assign \(other.shape) to \(shape)")
        if other.data != data { data.update(from: other.data, count: count) }
    }

    /// Sets every element to `value`, outside autograd.
    public func fill(_ value: Float) {
        data.update(repeating: value, count: count)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(preview)\(count > 8 ? ", …" : "")])"
    }
}
