// A "same" stride-1 convolution without the column matrix: each image is copied once into a
// zero-padded buffer whose rows lie `width + padding` apart, and the output is the sum of one
// GEMM per kernel tap, each reading the buffer shifted by that tap's offset. The output comes
// out on a grid of the same row stride; the padding columns of the grid are dropped when it
// is copied into the result. im2col writes (and OpenBLAS then packs) kh·kw copies of the
// image; this writes one, at the price of GEMMs whose inner dimension is the channels alone.

/// The padded layout and tap offsets of a stride-1 convolution whose output is as large as
/// its input, and the products that run on it.
struct ShiftedConvolution {
    let geometry: ConvolutionGeometry
    /// Elements between the starts of two rows of a padded plane: the width and one padding.
    let rowStride: Int
    /// Zeros before the first pixel (and after the last) of a padded plane: as far as a tap reaches.
    let margin: Int
    /// Elements of one channel's padded plane.
    let planeLength: Int
    /// Output positions of the grid, from the first pixel to the last, padding columns included.
    let gridLength: Int

    /// The layout for `geometry`, or `nil` unless the convolution has unit strides, an output
    /// as large as its input and more than one tap.
    init?(_ geometry: ConvolutionGeometry) {
        guard geometry.strideHeight == 1, geometry.strideWidth == 1,
              geometry.outputHeight == geometry.height, geometry.outputWidth == geometry.width,
              geometry.kernelHeight * geometry.kernelWidth > 1 else { return nil }
        self.geometry = geometry
        // Same size means 2·padding = kernel - 1: a tap reaches `padding` pixels either way,
        // so one shared run of `padding` zeros ends each row and starts the next.
        rowStride = geometry.width + geometry.paddingWidth
        margin = geometry.paddingHeight * rowStride + geometry.paddingWidth
        planeLength = 2 * margin + geometry.height * rowStride
        gridLength = (geometry.height - 1) * rowStride + geometry.width
    }

    /// Whether the shifted products beat im2col for a product with `outputChannels` rows and
    /// `innerChannels` as its inner dimension. Measured on the ResNet's layers (OpenBLAS's AVX2
    /// kernels): the tap products accumulate their whole output kh·kw times, which costs less
    /// than the column matrix only while the output has no more channels than the input and
    /// few of them; with 64 output channels or a small inner dimension, im2col is faster.
    static func isFaster(outputChannels: Int, innerChannels: Int) -> Bool {
        innerChannels >= 8 && outputChannels <= Swift.min(innerChannels, 32)
    }

    /// The offset of tap `(ki, kj)` in a padded plane: where the output's pixel finds its input.
    @inline(__always)
    func offset(ofTap tap: Int) -> Int {
        let (ki, kj) = tap.quotientAndRemainder(dividingBy: geometry.kernelWidth)
        return (ki - geometry.paddingHeight) * rowStride + (kj - geometry.paddingWidth)
    }

    /// The kernel as one `[rows, columns]` matrix per tap, from a weight `[O, C, kh, kw]`:
    /// `W[o, c, tap]` at `[tap, o, c]` for the forward product, at `[tap, c, o]` (transposed)
    /// for the input gradient.
    func tapMatrices(_ weight: UnsafePointer<Float>, outputChannels: Int, transposed: Bool) -> TensorStorage {
        let channels = geometry.channels, taps = geometry.kernelHeight * geometry.kernelWidth
        let matrices = TensorStorage(count: taps * outputChannels * channels)
        for o in 0..<outputChannels {
            for c in 0..<channels {
                let source = weight + (o * channels + c) * taps
                let target = matrices.base + (transposed ? c * outputChannels + o : o * channels + c)
                for tap in 0..<taps { target[tap * outputChannels * channels] = source[tap] }
            }
        }
        return matrices
    }

    /// `output_n = Σ_tap A_tap · shift(image_n, ±offset(tap))` for each of `batch` images
    /// `[inner, H, W]` at `images`, into `[rows, H, W]` planes at `output` (plus `bias[row]`, or
    /// added to what is there when `accumulate`). `taps` holds one `[rows, inner]` matrix per
    /// tap; `reversed` reads each tap at minus its offset (the input gradient's correlation
    /// with the flipped kernel).
    func apply(
        taps: UnsafePointer<Float>, rows: Int, inner: Int, to images: UnsafePointer<Float>, batch: Int,
        reversed: Bool, bias: UnsafePointer<Float>?, accumulate: Bool, into output: UnsafeMutablePointer<Float>
    ) {
        let (height, width) = (geometry.height, geometry.width)
        let pixels = height * width
        let padded = TensorStorage(count: inner * planeLength)
        // The zeros are written once: each image overwrites the pixels alone.
        padded.base.update(repeating: 0, count: inner * planeLength)
        let grid = TensorStorage(count: rows * gridLength)
        let tapCount = geometry.kernelHeight * geometry.kernelWidth
        withExtendedLifetime((padded, grid)) {
            for n in 0..<batch {
                let image = images + n * inner * pixels
                for c in 0..<inner {
                    let source = image + c * pixels, plane = padded.base + c * planeLength + margin
                    for y in 0..<height { (plane + y * rowStride).update(from: source + y * width, count: width) }
                }
                for tap in 0..<tapCount {
                    let shift = reversed ? -offset(ofTap: tap) : offset(ofTap: tap)
                    BLAS.gemm(transposeA: false, transposeB: false, m: rows, n: gridLength, k: inner,
                              a: taps + tap * rows * inner, lda: inner,
                              b: padded.base + margin + shift, ldb: planeLength,
                              beta: tap == 0 ? 0 : 1, c: grid.base, ldc: gridLength)
                }
                let out = output + n * rows * pixels
                for row in 0..<rows {
                    let source = grid.base + row * gridLength, target = out + row * pixels
                    let start = bias?[row] ?? 0
                    for y in 0..<height {
                        copyRow(source + y * rowStride, into: target + y * width, count: width,
                                adding: start, accumulate: accumulate)
                    }
                }
            }
        }
    }
}

/// `target[i] = source[i] + constant`, or that added to `target[i]` when `accumulate`, eight at a time.
@inline(__always)
private func copyRow(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int,
                     adding constant: Float, accumulate: Bool) {
    typealias Vector = SIMD8<Float>
    let shift = Vector(repeating: constant)
    var i = 0
    while i + Vector.scalarCount <= count {
        var value = UnsafeRawPointer(source + i).loadUnaligned(as: Vector.self) + shift
        if accumulate { value += UnsafeRawPointer(target + i).loadUnaligned(as: Vector.self) }
        UnsafeMutableRawPointer(target + i).storeBytes(of: value, as: Vector.self)
        i += Vector.scalarCount
    }
    while i < count {
        target[i] = accumulate ? target[i] + source[i] + constant : source[i] + constant
        i += 1
    }
}
