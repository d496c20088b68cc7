// 2-D convolution as im2col + sgemm, one product per image, in PyTorch's layouts:
// input [N, C, H, W], weight [O, C, kh, kw], bias [O], output [N, O, OH, OW]; "same" stride-1
// convolutions with few channels take one product per kernel tap instead (ShiftedConvolution).
// Backward recomputes each image's columns (a few hundred KB stays in cache; the batch's would not).

/// The geometry of a 2-D convolution: sizes of the input, kernel and output, stride and padding.
struct ConvolutionGeometry {
    let channels: Int, height: Int, width: Int
    let kernelHeight: Int, kernelWidth: Int
    let strideHeight: Int, strideWidth: Int
    let paddingHeight: Int, paddingWidth: Int
    let outputHeight: Int, outputWidth: Int

    init(channels: Int, height: Int, width: Int, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)) {
        precondition(kernel.0 > 0 && kernel.1 > 0, "kernel size must be positive, not \(kernel)")
        precondition(stride.0 > 0 && stride.1 > 0, "stride must be positive, not \(stride)")
        precondition(padding.0 >= 0 && padding.1 >= 0, "padding cannot be negative, not \(padding)")
        self.channels = channels
        self.height = height
        self.width = width
        (kernelHeight, kernelWidth) = kernel
        (strideHeight, strideWidth) = stride
        (paddingHeight, paddingWidth) = padding
        outputHeight = (height + 2 * padding.0 - kernel.0) / stride.0 + 1
        outputWidth = (width + 2 * padding.1 - kernel.1) / stride.1 + 1
        precondition(height + 2 * padding.0 >= kernel.0 && width + 2 * padding.1 >= kernel.1,
                     "kernel \(kernel) is larger than the padded input \(height)x\(width) (padding \(padding))")
    }

    /// Rows of the column matrix: one per (channel, kernel row, kernel column).
    var columnRows: Int { channels * kernelHeight * kernelWidth }
    /// Columns of the column matrix: one per output position.
    var outputPositions: Int { outputHeight * outputWidth }
    /// Whether the column matrix is the image itself (a 1x1 kernel, stride 1, no padding).
    var columnsAreInput: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideHeight == 1 && strideWidth == 1
            && paddingHeight == 0 && paddingWidth == 0
    }

    /// The output columns `ow` whose input column `ow·stride - padding + kj` lies inside the image.
    @inline(__always)
    func validOutputColumns(kernelColumn kj: Int) -> Range<Int> {
        let offset = kj - paddingWidth
        // Smallest ow with ow·s + offset >= 0, and first ow with ow·s + offset >= width.
        let first = offset >= 0 ? 0 : (-offset + strideWidth - 1) / strideWidth
        let end = width - offset <= 0 ? 0 : (width - offset + strideWidth - 1) / strideWidth
        let clampedFirst = Swift.min(first, outputWidth)
        return clampedFirst..<Swift.max(clampedFirst, Swift.min(end, outputWidth))
    }

    /// With unit strides, the input gradient is a convolution too: of the output gradient,
    /// padded by `kernel - 1 - padding`, with the kernel flipped and its channels swapped
    /// (``flippedKernel(_:outputChannels:)``). Its geometry, whose output is `[C, H, W]`;
    /// `nil` for other strides, or padding wider than the kernel reaches.
    func inputGradientGeometry(outputChannels: Int) -> ConvolutionGeometry? {
        guard strideHeight == 1, strideWidth == 1, paddingHeight < kernelHeight, paddingWidth < kernelWidth else {
            return nil
        }
        return ConvolutionGeometry(channels: outputChannels, height: outputHeight, width: outputWidth,
                                   kernel: (kernelHeight, kernelWidth), stride: (1, 1),
                                   padding: (kernelHeight - 1 - paddingHeight, kernelWidth - 1 - paddingWidth))
    }

    /// `W̃[c, o, i, j] = W[o, c, kh - 1 - i, kw - 1 - j]` for a weight `W` `[O, C, kh, kw]`.
    func flippedKernel(_ weight: UnsafePointer<Float>, outputChannels: Int) -> TensorStorage {
        let taps = kernelHeight * kernelWidth
        let flipped = TensorStorage(count: channels * outputChannels * taps)
        for c in 0..<channels {
            for o in 0..<outputChannels {
                let source = weight + (o * channels + c) * taps, target = flipped.base + (c * outputChannels + o) * taps
                for tap in 0..<taps { target[tap] = source[taps - 1 - tap] }
            }
        }
        return flipped
    }

    /// Unfolds one image `[C, H, W]` into `columns` `[C·kh·kw, OH·OW]`, zeros where the
    /// window reaches into the padding.
    func imageToColumns(_ image: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>) {
        let positions = outputPositions
        var row = columns
        for c in 0..<channels {
            let plane = image + c * height * width
            for ki in 0..<kernelHeight {
                for kj in 0..<kernelWidth {
                    if rowsAreContiguous {
                        copyShiftedPlane(plane, kernelRow: ki, kernelColumn: kj, into: row)
                        row += positions
                        continue
                    }
                    let valid = validOutputColumns(kernelColumn: kj)
                    let columnOffset = kj - paddingWidth
                    for oh in 0..<outputHeight {
                        let out = row + oh * outputWidth
                        let ih = oh * strideHeight - paddingHeight + ki
                        guard ih >= 0 && ih < height else {
                            out.update(repeating: 0, count: outputWidth)
                            continue
                        }
                        let source = plane + ih * width
                        if valid.lowerBound > 0 { out.update(repeating: 0, count: valid.lowerBound) }
                        if strideWidth == 1 {
                            (out + valid.lowerBound).update(from: source + valid.lowerBound + columnOffset,
                                                            count: valid.count)
                        } else {
                            gather(source + valid.lowerBound * strideWidth + columnOffset, step: strideWidth,
                                   into: out + valid.lowerBound, count: valid.count)
                        }
                        if valid.upperBound < outputWidth {
                            (out + valid.upperBound).update(repeating: 0, count: outputWidth - valid.upperBound)
                        }
                    }
                    row += positions
                }
            }
        }
    }

    /// Whether each row of the column matrix is the image plane shifted as a whole: unit
    /// strides and an output as wide as the input (a "same" convolution, as a ResNet's 3x3).
    var rowsAreContiguous: Bool { strideHeight == 1 && strideWidth == 1 && outputWidth == width }

    /// One row of the column matrix when ``rowsAreContiguous``: the plane shifted by the
    /// kernel offset, copied as one block (instead of one short copy per output row), then
    /// zeros where the window reaches into the padding, including the elements the block
    /// copy carried across a row's edge.
    @inline(__always)
    private func copyShiftedPlane(_ plane: UnsafePointer<Float>, kernelRow ki: Int, kernelColumn kj: Int,
                                  into row: UnsafeMutablePointer<Float>) {
        // Output rows first..<end read input rows first - padding + ki ..< end - padding + ki.
        let first = Swift.min(Swift.max(0, paddingHeight - ki), outputHeight)
        let end = Swift.max(first, Swift.min(outputHeight, height + paddingHeight - ki))
        if first > 0 { row.update(repeating: 0, count: first * width) }
        if end < outputHeight { (row + end * width).update(repeating: 0, count: (outputHeight - end) * width) }
        guard end > first else { return }
        let offset = kj - paddingWidth
        let count = (end - first) * width
        let target = row + first * width, source = plane + (first - paddingHeight + ki) * width
        let low = Swift.max(0, -offset), high = count - Swift.max(0, offset)
        if high > low { (target + low).update(from: source + low + offset, count: high - low) }
        zeroEdgeColumns(of: row + first * width, rows: end - first, outside: validOutputColumns(kernelColumn: kj))
    }

    /// Zeros the columns outside `valid` in each of `rows` rows of `width` elements at `block`:
    /// where a shifted window reaches into the padding on the left or right.
    @inline(__always)
    private func zeroEdgeColumns(of block: UnsafeMutablePointer<Float>, rows: Int, outside valid: Range<Int>) {
        let (left, right) = (valid.lowerBound, width - valid.upperBound)
        guard left > 0 || right > 0 else { return }
        var out = block
        for _ in 0..<rows {
            // A padding's width of elements: loops, not memset calls.
            for i in 0..<left { out[i] = 0 }
            for i in valid.upperBound..<width { out[i] = 0 }
            out += width
        }
    }

    /// Adds `columns` `[C·kh·kw, OH·OW]` back into one image `[C, H, W]`: the adjoint of
    /// ``imageToColumns(_:_:)``, so every input pixel sums the gradients of the windows it fed.
    /// `columns` is scratch: where the window reached into the padding it may be overwritten.
    func addColumnsToImage(_ columns: UnsafeMutablePointer<Float>, _ image: UnsafeMutablePointer<Float>) {
        let positions = outputPositions
        var row = columns
        for c in 0..<channels {
            let plane = image + c * height * width
            for ki in 0..<kernelHeight {
                for kj in 0..<kernelWidth {
                    if rowsAreContiguous {
                        addShiftedPlane(row, kernelRow: ki, kernelColumn: kj, into: plane)
                        row += positions
                        continue
                    }
                    let valid = validOutputColumns(kernelColumn: kj)
                    let columnOffset = kj - paddingWidth
                    for oh in 0..<outputHeight {
                        let ih = oh * strideHeight - paddingHeight + ki
                        guard ih >= 0 && ih < height else { continue }
                        let source = row + oh * outputWidth
                        let target = plane + ih * width + columnOffset
                        if strideWidth == 1 {
                            // Unit stride: a contiguous add the compiler vectorises.
                            addRun(UnsafePointer(source + valid.lowerBound), into: target + valid.lowerBound,
                                   count: valid.count)
                        } else {
                            scatterAdd(UnsafePointer(source + valid.lowerBound), into: target + valid.lowerBound * strideWidth,
                                       step: strideWidth, count: valid.count)
                        }
                    }
                    row += positions
                }
            }
        }
    }

    /// The adjoint of ``copyShiftedPlane(_:kernelRow:kernelColumn:into:)``: zeros the
    /// entries of one column row whose window reached into the padding, then adds the row
    /// onto the plane as one block.
    @inline(__always)
    private func addShiftedPlane(_ row: UnsafeMutablePointer<Float>, kernelRow ki: Int, kernelColumn kj: Int,
                                 into plane: UnsafeMutablePointer<Float>) {
        let first = Swift.min(Swift.max(0, paddingHeight - ki), outputHeight)
        let end = Swift.max(first, Swift.min(outputHeight, height + paddingHeight - ki))
        guard end > first else { return }
        zeroEdgeColumns(of: row + first * width, rows: end - first, outside: validOutputColumns(kernelColumn: kj))
        let offset = kj - paddingWidth
        let count = (end - first) * width
        let source = row + first * width, target = plane + (first - paddingHeight + ki) * width
        let low = Swift.max(0, -offset), high = count - Swift.max(0, offset)
        if high > low { addRun(UnsafePointer(source + low), into: target + low + offset, count: high - low) }
    }
}

/// `target[i] += source[i]` for `i` in `0..<count`, eight at a time.
@inline(__always)
private func addRun(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
    typealias Vector = SIMD8<Float>
    var i = 0
    while i + Vector.scalarCount <= count {
        let sum = UnsafeRawPointer(target + i).loadUnaligned(as: Vector.self)
            + UnsafeRawPointer(source + i).loadUnaligned(as: Vector.self)
        UnsafeMutableRawPointer(target + i).storeBytes(of: sum, as: Vector.self)
        i += Vector.scalarCount
    }
    while i < count {
        target[i] += source[i]
        i += 1
    }
}

extension Tensor {
    /// 2-D cross-correlation over a batch of images (as `torch.nn.functional.conv2d`), with a
    /// separate stride and padding for height and width.
    ///
    /// - Parameters:
    ///   - input: `[batch, inChannels, height, width]`.
    ///   - weight: `[outChannels, inChannels, kernelHeight, kernelWidth]`, PyTorch's layout.
    ///   - bias: `[outChannels]`, or `nil`.
    ///   - stride: the step of the window, `(height, width)`.
    ///   - padding: zeros added on each side, `(height, width)`.
    /// - Returns: `[batch, outChannels, outHeight, outWidth]` with
    ///   `outHeight = (height + 2·padding.0 - kernelHeight) / stride.0 + 1` (likewise for width).
    public static func conv2d(
        _ input: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: (Int, Int)
    ) -> Tensor {
        precondition(input.rank == 4, "conv2d expects input [batch, channels, height, width], got \(input.shape)")
        precondition(weight.rank == 4, "conv2d weight must be [out, in, kh, kw], not \(weight.shape)")
        let (batch, channels) = (input.shape[0], input.shape[1])
        let outChannels = weight.shape[0]
        precondition(weight.shape[1] == channels,
                     "conv2d weight \(weight.shape) expects \(weight.shape[1]) input channels, input \(input.shape) has \(channels)")
        if let bias { precondition(bias.shape == [outChannels], "conv2d bias must be [\(outChannels)], not \(bias.shape)") }
        let geometry = ConvolutionGeometry(
            channels: channels, height: input.shape[2], width: input.shape[3],
            kernel: (weight.shape[2], weight.shape[3]), stride: stride, padding: padding)
        let (rows, positions) = (geometry.columnRows, geometry.outputPositions)
        let imageSize = channels * geometry.height * geometry.width
        let outputSize = outChannels * positions

        let result = Tensor(uninitializedShape: [batch, outChannels, geometry.outputHeight, geometry.outputWidth])
        if let shifted = ShiftedConvolution(geometry),
           ShiftedConvolution.isFaster(outputChannels: outChannels, innerChannels: channels) {
            let taps = shifted.tapMatrices(weight.data, outputChannels: outChannels, transposed: false)
            withExtendedLifetime(taps) {
                shifted.apply(taps: taps.base, rows: outChannels, inner: channels, to: input.data, batch: batch,
                              reversed: false, bias: bias?.data, accumulate: false, into: result.data)
            }
        } else {
            let columns = geometry.columnsAreInput ? nil : TensorStorage(count: rows * positions)
            for n in 0..<batch {
                let image = input.data + n * imageSize, out = result.data + n * outputSize
                if let bias {
                    // Start each output plane at its bias and let sgemm add the product (beta = 1).
                    for o in 0..<outChannels { (out + o * positions).update(repeating: bias.data[o], count: positions) }
                }
                var unfolded = UnsafePointer(image)
                if let columns {
                    geometry.imageToColumns(image, columns.base)
                    unfolded = UnsafePointer(columns.base)
                }
                // out[O, L] = W[O, K] · columns[K, L]
                BLAS.gemm(transposeA: false, transposeB: false, m: outChannels, n: positions, k: rows,
                          a: weight.data, b: unfolded, beta: bias == nil ? 0 : 1, c: out)
            }
        }

        let inputs = bias.map { [input, weight, $0] } ?? [input, weight]
        return record(result, name: "conv2d", inputs: inputs) { ctx in
            let g = ctx.gradOutput.data
            let scratch = geometry.columnsAreInput ? nil : TensorStorage(count: rows * positions)
            ctx.withGradient(of: 1) { dW, accumulate in
                // dW[O, K] = Σ_n dY_n[O, L] · columns_nᵀ[L, K]
                for n in 0..<batch {
                    let image = input.data + n * imageSize
                    var unfolded = UnsafePointer(image)
                    if let scratch {
                        geometry.imageToColumns(image, scratch.base)
                        unfolded = UnsafePointer(scratch.base)
                    }
                    BLAS.gemm(transposeA: false, transposeB: true, m: outChannels, n: rows, k: positions,
                              a: g + n * outputSize, b: unfolded,
                              beta: (accumulate || n > 0) ? 1 : 0, c: dW)
                }
            }
            ctx.withGradient(of: 0) { dX, accumulate in
                // With no more output than input channels, unfolding dY costs no more than folding
                // back dX's columns would.
                if let shifted = ShiftedConvolution(geometry),
                   ShiftedConvolution.isFaster(outputChannels: channels, innerChannels: outChannels) {
                    // dX_n = Σ_tap W_tapᵀ · shift(dY_n, -offset(tap)): the correlation with the flipped kernel.
                    let taps = shifted.tapMatrices(weight.data, outputChannels: outChannels, transposed: true)
                    withExtendedLifetime(taps) {
                        shifted.apply(taps: taps.base, rows: channels, inner: outChannels, to: g, batch: batch,
                                      reversed: true, bias: nil, accumulate: accumulate, into: dX)
                    }
                    return
                }
                if scratch != nil, outChannels <= channels,
                   let transposed = geometry.inputGradientGeometry(outputChannels: outChannels) {
                    // dX_n[C, H·W] = W̃[C, O·kh·kw] · columns(dY_n): one product whose inner
                    // dimension is O·kh·kw, with no fold back and no zeroing of dX.
                    let flipped = geometry.flippedKernel(weight.data, outputChannels: outChannels)
                    let columns = TensorStorage(count: transposed.columnRows * transposed.outputPositions)
                    withExtendedLifetime(flipped) {
                        for n in 0..<batch {
                            transposed.imageToColumns(g + n * outputSize, columns.base)
                            BLAS.gemm(transposeA: false, transposeB: false, m: channels, n: transposed.outputPositions,
                                      k: transposed.columnRows, a: flipped.base, b: columns.base,
                                      beta: accumulate ? 1 : 0, c: dX + n * imageSize)
                        }
                    }
                    return
                }
                // dcolumns_n[K, L] = Wᵀ[K, O] · dY_n[O, L], then folded back onto the image.
                for n in 0..<batch {
                    let dImage = dX + n * imageSize
                    if let scratch {
                        BLAS.gemm(transposeA: true, transposeB: false, m: rows, n: positions, k: outChannels,
                                  a: weight.data, b: g + n * outputSize, beta: 0, c: scratch.base)
                        if !accumulate { dImage.update(repeating: 0, count: imageSize) }
                        geometry.addColumnsToImage(scratch.base, dImage)
                    } else {
                        BLAS.gemm(transposeA: true, transposeB: false, m: rows, n: positions, k: outChannels,
                                  a: weight.data, b: g + n * outputSize, beta: accumulate ? 1 : 0, c: dImage)
                    }
                }
            }
            if inputs.count == 3 {
                ctx.withGradient(of: 2) { dB, accumulate in
                    // dB[O] = Σ_n dY_n[O, L] · 1[L]: row sums as a matrix-vector product.
                    let ones = Tensor.ones([positions])
                    for n in 0..<batch {
                        BLAS.gemm(transposeA: false, transposeB: false, m: outChannels, n: 1, k: positions,
                                  a: g + n * outputSize, b: ones.data, beta: (accumulate || n > 0) ? 1 : 0, c: dB)
                    }
                }
            }
        }
    }

    /// 2-D cross-correlation with the same stride and padding for height and width; see the
    /// overload taking `(height, width)` pairs.
    public static func conv2d(
        _ input: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0
    ) -> Tensor {
        conv2d(input, weight: weight, bias: bias, stride: (stride, stride), padding: (padding, padding))
    }
}

/// `target[i] = source[i·step]` for `i` in `0..<count`, stepping pointers rather than
/// computing (overflow-checked) indices.
@inline(__always)
private func gather(_ source: UnsafePointer<Float>, step: Int, into target: UnsafeMutablePointer<Float>, count: Int) {
    var from = source, to = target
    var remaining = count
    if step == 2 {
        // Eight at a time from sixteen loaded: the load reaches one element past the last it
        // keeps, so it runs only while a later element is still to be read.
        while remaining > 8 {
            let pair = UnsafeRawPointer(from).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(to).storeBytes(of: pair.evenHalf, as: SIMD8<Float>.self)
            to += 8
            from += 16
            remaining -= 8
        }
    }
    for _ in 0..<remaining {
        to.pointee = from.pointee
        to += 1
        from += step
    }
}

/// `target[i·step] += source[i]` for `i` in `0..<count`: the adjoint of ``gather(_:step:into:count:)``.
@inline(__always)
private func scatterAdd(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, step: Int, count: Int) {
    var from = source, to = target
    for _ in 0..<count {
        to.pointee += from.pointee
        to += step
        from += 1
    }
}
