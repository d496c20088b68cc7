// 2-D max, average and global average pooling over [N, C, H, W], each plane on its own
// (as PyTorch with ceil_mode = false). Windows are clipped to the image; padding never wins a max and,
// for the average, counts as zeros unless told otherwise.

extension Tensor {
    /// The largest value in each window (as `torch.nn.functional.max_pool2d`).
    ///
    /// - Parameters:
    ///   - kernelSize: the window, `(height, width)`.
    ///   - stride: the step of the window; the kernel size when `nil` (PyTorch's default).
    ///   - padding: implicit `-∞` added on each side; at most half the kernel, as in PyTorch.
    /// - Returns: `[batch, channels, outHeight, outWidth]` with
    ///   `outHeight = (height + 2·padding.0 - kernelSize.0) / stride.0 + 1` (likewise for width).
    ///
    /// The gradient goes to the first largest element of each window.
    public func maxPool2d(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
        let geometry = poolingGeometry("maxPool2d", kernelSize: kernelSize, stride: stride, padding: padding)
        let planes = shape[0] * shape[1]
        let (planeSize, outputPlaneSize) = (geometry.height * geometry.width, geometry.outputPositions)
        let result = Tensor(uninitializedShape: [shape[0], shape[1], geometry.outputHeight, geometry.outputWidth])
        // Where each output's maximum sits in its input plane, for backward.
        var winners = [Int32](repeating: 0, count: result.count)
        winners.withUnsafeMutableBufferPointer { winner in
            for plane in 0..<planes {
                let x = data + plane * planeSize
                let out = result.data + plane * outputPlaneSize
                let argmax = winner.baseAddress! + plane * outputPlaneSize
                if geometry.isTwoByTwoTiling {
                    geometry.maxPoolTwoByTwo(x, into: out, winners: argmax)
                    continue
                }
                geometry.forEachWindow { position, rows, columns in
                    var best = -Float.infinity
                    var bestIndex = rows.lowerBound * geometry.width + columns.lowerBound
                    for ih in rows {
                        for iw in columns {
                            let index = ih * geometry.width + iw, value = x[index]
                            // PyTorch's rule: a larger value or any NaN wins, so a NaN, once
                            // taken, stays (no number is larger). Selects rather than a branch,
                            // which random data mispredicts.
                            let wins = value > best || value.isNaN
                            best = wins ? value : best
                            bestIndex = wins ? index : bestIndex
                        }
                    }
                    out[position] = best
                    argmax[position] = Int32(bestIndex)
                }
            }
        }
        let inputCount = count
        return Tensor.record(result, name: "max_pool2d", inputs: [self]) { ctx in
            let g = ctx.gradOutput.data
            ctx.withGradient(of: 0) { dst, accumulate in
                if !accumulate { dst.update(repeating: 0, count: inputCount) }
                winners.withUnsafeBufferPointer { winner in
                    for plane in 0..<planes {
                        let d = dst + plane * planeSize
                        let gradPlane = g + plane * outputPlaneSize
                        let argmax = winner.baseAddress! + plane * outputPlaneSize
                        for position in 0..<outputPlaneSize { d[Int(argmax[position])] += gradPlane[position] }
                    }
                }
            }
        }
    }

    /// Max pooling with a square window, stride and padding; see the overload taking
    /// `(height, width)` pairs.
    public func maxPool2d(kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
        maxPool2d(kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding))
    }

    /// The mean of each window (as `torch.nn.functional.avg_pool2d`).
    ///
    /// - Parameters:
    ///   - kernelSize: the window, `(height, width)`.
    ///   - stride: the step of the window; the kernel size when `nil` (PyTorch's default).
    ///   - padding: implicit zeros added on each side; at most half the kernel, as in PyTorch.
    ///   - countIncludePad: divide by the whole window (PyTorch's default) rather than by the
    ///     number of elements inside the image.
    public func avgPool2d(
        kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0), countIncludePad: Bool = true
    ) -> Tensor {
        let geometry = poolingGeometry("avgPool2d", kernelSize: kernelSize, stride: stride, padding: padding)
        let planes = shape[0] * shape[1]
        let (planeSize, outputPlaneSize) = (geometry.height * geometry.width, geometry.outputPositions)
        let windowSize = Float(kernelSize.0 * kernelSize.1)
        let result = Tensor(uninitializedShape: [shape[0], shape[1], geometry.outputHeight, geometry.outputWidth])
        for plane in 0..<planes {
            let x = data + plane * planeSize
            let out = result.data + plane * outputPlaneSize
            geometry.forEachWindow { position, rows, columns in
                var total: Float = 0
                for ih in rows {
                    for iw in columns { total += x[ih * geometry.width + iw] }
                }
                out[position] = total / (countIncludePad ? windowSize : Float(rows.count * columns.count))
            }
        }
        let inputCount = count
        return Tensor.record(result, name: "avg_pool2d", inputs: [self]) { ctx in
            let g = ctx.gradOutput.data
            ctx.withGradient(of: 0) { dst, accumulate in
                if !accumulate { dst.update(repeating: 0, count: inputCount) }
                for plane in 0..<planes {
                    let d = dst + plane * planeSize
                    let gradPlane = g + plane * outputPlaneSize
                    geometry.forEachWindow { position, rows, columns in
                        let share = gradPlane[position]
                            / (countIncludePad ? windowSize : Float(rows.count * columns.count))
                        for ih in rows {
                            for iw in columns { d[ih * geometry.width + iw] += share }
                        }
                    }
                }
            }
        }
    }

    /// Average pooling with a square window, stride and padding; see the overload taking
    /// `(height, width)` pairs.
    public func avgPool2d(kernelSize: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true) -> Tensor {
        avgPool2d(kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) },
                  padding: (padding, padding), countIncludePad: countIncludePad)
    }

    /// The mean of each channel's whole plane, `[batch, channels, height, width]` to
    /// `[batch, channels]`: a ResNet's head (as `torch.nn.AdaptiveAvgPool2d((1, 1))`
    /// followed by `torch.flatten(_, 1)`).
    public func globalAvgPool2d() -> Tensor {
        precondition(rank == 4 && shape[2] * shape[3] > 0,
                     "globalAvgPool2d expects input [batch, channels, height, width], got \(shape)")
        let planes = shape[0] * shape[1], planeSize = shape[2] * shape[3]
        let result = Tensor(uninitializedShape: [shape[0], shape[1]])
        let scale = 1 / Float(planeSize)
        for plane in 0..<planes {
            let x = data + plane * planeSize
            var total: Float = 0
            for i in 0..<planeSize { total += x[i] }
            result.data[plane] = total * scale
        }
        return Tensor.record(result, name: "global_avg_pool2d", inputs: [self]) { ctx in
            let g = ctx.gradOutput.data
            ctx.withGradient(of: 0) { dst, accumulate in
                // Every pixel of a plane gets an equal share of that plane's gradient.
                for plane in 0..<planes {
                    let d = dst + plane * planeSize, share = g[plane] * scale
                    if accumulate {
                        for i in 0..<planeSize { d[i] += share }
                    } else {
                        d.update(repeating: share, count: planeSize)
                    }
                }
            }
        }
    }

    private func poolingGeometry(
        _ operation: String, kernelSize: (Int, Int), stride: (Int, Int)?, padding: (Int, Int)
    ) -> ConvolutionGeometry {
        precondition(rank == 4, "\(operation) expects input [batch, channels, height, width], got \(shape)")
        precondition(padding.0 <= kernelSize.0 / 2 && padding.1 <= kernelSize.1 / 2,
                     "\(operation) padding \(padding) must be at most half the kernel size \(kernelSize)")
        return ConvolutionGeometry(channels: 1, height: shape[2], width: shape[3],
                                   kernel: kernelSize, stride: stride ?? kernelSize, padding: padding)
    }
}

extension ConvolutionGeometry {
    /// Whether the windows are 2x2 tiles of the plane: kernel and stride 2, no padding (a
    /// CNN's usual downsampling), which ``maxPoolTwoByTwo(_:into:winners:)`` handles.
    var isTwoByTwoTiling: Bool {
        kernelHeight == 2 && kernelWidth == 2 && strideHeight == 2 && strideWidth == 2
            && paddingHeight == 0 && paddingWidth == 0
    }

    /// Max pooling of one plane over 2x2 tiles, with the same choice as the general loop:
    /// the first largest in row-major order, a NaN winning.
    @inline(__always)
    func maxPoolTwoByTwo(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                         winners: UnsafeMutablePointer<Int32>) {
        var position = 0
        for oh in 0..<outputHeight {
            let top = 2 * oh * width
            var index = top
            for _ in 0..<outputWidth {
                var best = -Float.infinity, bestIndex = index
                @inline(__always) func consider(_ candidate: Int) {
                    let value = x[candidate]
                    let wins = value > best || value.isNaN   // as in the general loop above
                    best = wins ? value : best
                    bestIndex = wins ? candidate : bestIndex
                }
                consider(index)
                consider(index + 1)
                consider(index + width)
                consider(index + width + 1)
                out[position] = best
                winners[position] = Int32(truncatingIfNeeded: bestIndex)
                position += 1
                index += 2
            }
        }
    }

    /// Calls `body` for every output position of one plane with the input rows and columns
    /// its window covers, clipped to the image.
    @inline(__always)
    func forEachWindow(_ body: (_ position: Int, _ rows: Range<Int>, _ columns: Range<Int>) -> Void) {
        for oh in 0..<outputHeight {
            let top = oh * strideHeight - paddingHeight
            let rows = Swift.max(top, 0)..<Swift.min(top + kernelHeight, height)
            for ow in 0..<outputWidth {
                let left = ow * strideWidth - paddingWidth
                let columns = Swift.max(left, 0)..<Swift.min(left + kernelWidth, width)
                body(oh * outputWidth + ow, rows, columns)
            }
        }
    }
}
