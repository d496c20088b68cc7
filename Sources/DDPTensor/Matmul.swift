// Matrix products on sgemm. Transposed operands are passed to BLAS as flags, never copied,
// and gradients are written into their destination with sgemm's beta (0 = fresh, 1 = add).

extension Tensor {
    /// The matrix product `op(lhs) x op(rhs)`, where op transposes the last two dimensions
    /// when asked.
    ///
    /// Shapes: `[m, k] x [k, n] -> [m, n]`, or batched `[b, m, k] x [b, k, n] -> [b, m, n]`,
    /// where either operand may also be a single 2-D matrix shared by the whole batch.
    public static func matmul(
        _ lhs: Tensor, _ rhs: Tensor, transposeLhs: Bool = false, transposeRhs: Bool = false
    ) -> Tensor {
        precondition((2...3).contains(lhs.rank) && (2...3).contains(rhs.rank),
                     "matmul takes 2-D or 3-D operands, not \(lhs.shape) and \(rhs.shape)")
        let batch = lhs.rank == 3 ? lhs.shape[0] : (rhs.rank == 3 ? rhs.shape[0] : 1)
        if lhs.rank == 3 && rhs.rank == 3 {
            precondition(lhs.shape[0] == rhs.shape[0], "matmul batch sizes differ: \(lhs.shape) and \(rhs.shape)")
        }
        let (lr, lc) = (lhs.shape[lhs.rank - 2], lhs.shape[lhs.rank - 1])
        let (rr, rc) = (rhs.shape[rhs.rank - 2], rhs.shape[rhs.rank - 1])
        let (m, k) = transposeLhs ? (lc, lr) : (lr, lc)
        let (k2, n) = transposeRhs ? (rc, rr) : (rr, rc)
        precondition(k == k2, "matmul inner dimensions differ: \(lhs.shape)\(transposeLhs ? "ᵀ" : "") x \(rhs.shape)\(transposeRhs ? "ᵀ" : "")")

        let resultShape = (lhs.rank == 3 || rhs.rank == 3) ? [batch, m, n] : [m, n]
        let result = Tensor(uninitializedShape: resultShape)
        let lhsStep = lhs.rank == 3 ? m * k : 0, rhsStep = rhs.rank == 3 ? k * n : 0
        for i in 0..<batch {
            BLAS.gemm(transposeA: transposeLhs, transposeB: transposeRhs, m: m, n: n, k: k,
                      a: lhs.data + i * lhsStep, b: rhs.data + i * rhsStep,
                      beta: 0, c: result.data + i * m * n)
        }

        return record(result, name: "matmul", inputs: [lhs, rhs]) { ctx in
            let g = ctx.gradOutput.data
            // d op(A) = dC · op(B)ᵀ and d op(B) = op(A)ᵀ · dC, rewritten so that each result
            // lands in the stored (untransposed) layout of A and B.
            ctx.withGradient(of: 0) { dA, accumulate in
                for i in 0..<batch {
                    let dst = dA + i * lhsStep
                    // A shared across the batch sums every batch's contribution.
                    let beta: Float = (accumulate || (lhsStep == 0 && i > 0)) ? 1 : 0
                    if transposeLhs {   // A is [k, m]: dA = op(B) · dCᵀ
                        BLAS.gemm(transposeA: transposeRhs, transposeB: true, m: k, n: m, k: n,
                                  a: rhs.data + i * rhsStep, b: g + i * m * n, beta: beta, c: dst)
                    } else {            // A is [m, k]: dA = dC · op(B)ᵀ
                        BLAS.gemm(transposeA: false, transposeB: !transposeRhs, m: m, n: k, k: n,
                                  a: g + i * m * n, b: rhs.data + i * rhsStep, beta: beta, c: dst)
                    }
                }
            }
            ctx.withGradient(of: 1) { dB, accumulate in
                for i in 0..<batch {
                    let dst = dB + i * rhsStep
                    let beta: Float = (accumulate || (rhsStep == 0 && i > 0)) ? 1 : 0
                    if transposeRhs {   // B is [n, k]: dB = dCᵀ · op(A)
                        BLAS.gemm(transposeA: true, transposeB: transposeLhs, m: n, n: k, k: m,
                                  a: g + i * m * n, b: lhs.data + i * lhsStep, beta: beta, c: dst)
                    } else {            // B is [k, n]: dB = op(A)ᵀ · dC
                        BLAS.gemm(transposeA: !transposeLhs, transposeB: false, m: k, n: n, k: m,
                                  a: lhs.data + i * lhsStep, b: g + i * m * n, beta: beta, c: dst)
                    }
                }
            }
        }
    }

    /// `self x other` (2-D or batched); see ``matmul(_:_:transposeLhs:transposeRhs:)``.
    public func matmul(_ other: Tensor) -> Tensor { Tensor.matmul(self, other) }

    /// The affine map of a linear layer, `input x weightᵀ + bias`, as one recorded operation
    /// (as `torch.nn.functional.linear`).
    ///
    /// - Parameters:
    ///   - input: `[batch, inFeatures]` (or any leading dimensions).
    ///   - weight: `[outFeatures, inFeatures]`, PyTorch's layout.
    ///   - bias: `[outFeatures]`, or `nil`.
    public static func linear(_ input: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        precondition(weight.rank == 2, "linear weight must be [out, in], not \(weight.shape)")
        let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
        precondition(input.rank >= 1 && input.shape.last == inFeatures,
                     "linear expects inputs with \(inFeatures) features in the last dimension, got \(input.shape)")
        if let bias { precondition(bias.shape == [outFeatures], "linear bias must be [\(outFeatures)], not \(bias.shape)") }
        let rows = input.count / inFeatures
        let result = Tensor(uninitializedShape: Array(input.shape.dropLast()) + [outFeatures])
        let out = result.data
        if let bias {
            // Start from the bias in every row and let sgemm add the product (beta = 1).
            for r in 0..<rows { (out + r * outFeatures).update(from: bias.data, count: outFeatures) }
        }
        BLAS.gemm(transposeA: false, transposeB: true, m: rows, n: outFeatures, k: inFeatures,
                  a: input.data, b: weight.data, beta: bias == nil ? 0 : 1, c: out)

        let inputs = bias.map { [input, weight, $0] } ?? [input, weight]
        return record(result, name: "linear", inputs: inputs) { ctx in
            let g = ctx.gradOutput.data
            // The parameters' gradients first: across machines their reduction can then start
            // while dX is computed.
            ctx.withGradient(of: 1) { dW, accumulate in      // dW = dYᵀ · X
                BLAS.gemm(transposeA: true, transposeB: false, m: outFeatures, n: inFeatures, k: rows,
                          a: g, b: input.data, beta: accumulate ? 1 : 0, c: dW)
            }
            if inputs.count == 3 {
                ctx.withGradient(of: 2) { dB, accumulate in  // dB = column sums of dY
                    if !accumulate { dB.update(repeating: 0, count: outFeatures) }
                    for r in 0..<rows {
                        let row = g + r * outFeatures
                        for j in 0..<outFeatures { dB[j] += row[j] }
                    }
                }
            }
            ctx.withGradient(of: 0) { dX, accumulate in      // dX = dY · W
                BLAS.gemm(transposeA: false, transposeB: false, m: rows, n: inFeatures, k: outFeatures,
                          a: g, b: weight.data, beta: accumulate ? 1 : 0, c: dX)
            }
        }
    }
}
