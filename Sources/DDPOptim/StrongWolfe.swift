/// Line search helpers of `torch.optim.lbfgs`, ported line by line (Nocedal & Wright,
/// "Numerical Optimization", 2nd ed., algorithms 3.5–3.6 and formula 3.59), in Double.

/// The minimiser of the cubic through (x₁, f₁, g₁) and (x₂, f₂, g₂), clamped to `bounds`
/// (default: the interval between x₁ and x₂); the midpoint when the cubic has no minimum.
func cubicInterpolate(
    _ x1: Double, _ f1: Double, _ g1: Double, _ x2: Double, _ f2: Double, _ g2: Double,
    bounds: (Double, Double)? = nil
) -> Double {
    let (low, high) = bounds ?? (x1 <= x2 ? (x1, x2) : (x2, x1))
    let d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    let d2Square = d1 * d1 - g1 * g2
    guard d2Square >= 0 else { return (low + high) / 2 }
    let d2 = d2Square.squareRoot()
    let position = x1 <= x2
        ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(position, low), high)
}

private func dot(_ a: [Double], _ b: [Double]) -> Double {
    var sum = 0.0
    for i in a.indices { sum += a[i] * b[i] }
    return sum
}

/// A line search for a step `t` along `d` satisfying the strong Wolfe conditions
/// (sufficient decrease c₁, curvature c₂), as torch's `_strong_wolfe`.
///
/// `evaluate(t)` returns the loss and flat gradient at x + t·d. Returns the loss, gradient
/// and step found, and how many evaluations it took.
func strongWolfe(
    _ evaluate: (Double) throws -> (Double, [Double]),
    t initialStep: Double, d: [Double], f: Double, g: [Double], gtd: Double,
    c1: Double = 1e-4, c2: Double = 0.9, toleranceChange: Double = 1e-9, maxLineSearch: Int = 25
) rethrows -> (loss: Double, gradient: [Double], t: Double, evaluations: Int) {
    var t = initialStep
    let dNorm = d.reduce(0) { max($0, abs($1)) }
    var (fNew, gNew) = try evaluate(t)
    var evaluations = 1
    var gtdNew = dot(gNew, d)

    var tPrev = 0.0, fPrev = f, gPrev = g, gtdPrev = gtd
    var done = false
    var iteration = 0
    var bracket: [Double] = [], bracketF: [Double] = [], bracketG: [[Double]] = [], bracketGtd: [Double] = []
    // Bracketing phase: find an interval that holds a point satisfying the conditions.
    while iteration < maxLineSearch {
        if fNew > f + c1 * t * gtd || (iteration > 1 && fNew >= fPrev) {
            bracket = [tPrev, t]; bracketF = [fPrev, fNew]; bracketG = [gPrev, gNew]; bracketGtd = [gtdPrev, gtdNew]
            break
        }
        if abs(gtdNew) <= -c2 * gtd {
            bracket = [t]; bracketF = [fNew]; bracketG = [gNew]
            done = true
            break
        }
        if gtdNew >= 0 {
            bracket = [tPrev, t]; bracketF = [fPrev, fNew]; bracketG = [gPrev, gNew]; bracketGtd = [gtdPrev, gtdNew]
            break
        }
        // Extrapolate between 1.01·t and 10·t.
        let minStep = t + 0.01 * (t - tPrev), maxStep = t * 10
        let previous = t
        t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, bounds: (minStep, maxStep))
        tPrev = previous; fPrev = fNew; gPrev = gNew; gtdPrev = gtdNew
        (fNew, gNew) = try evaluate(t)
        evaluations += 1
        gtdNew = dot(gNew, d)
        iteration += 1
    }
    if iteration == maxLineSearch {
        bracket = [0, t]; bracketF = [f, fNew]; bracketG = [g, gNew]
    }

    // Zoom phase: shrink the bracket until a point satisfies the conditions.
    var insufficientProgress = false
    var (low, high) = bracketF[0] <= bracketF[bracketF.count - 1] ? (0, 1) : (1, 0)
    while !done && iteration < maxLineSearch {
        if abs(bracket[1] - bracket[0]) * dNorm < toleranceChange { break }
        t = cubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1])
        // Keep away from the ends of the bracket unless progress stalls twice.
        let top = bracket.max()!, bottom = bracket.min()!
        let margin = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < margin {
            if insufficientProgress || t >= top || t <= bottom {
                t = abs(t - top) < abs(t - bottom) ? top - margin : bottom + margin
                insufficientProgress = false
            } else {
                insufficientProgress = true
            }
        } else {
            insufficientProgress = false
        }
        (fNew, gNew) = try evaluate(t)
        evaluations += 1
        gtdNew = dot(gNew, d)
        iteration += 1

        if fNew > f + c1 * t * gtd || fNew >= bracketF[low] {
            bracket[high] = t; bracketF[high] = fNew; bracketG[high] = gNew; bracketGtd[high] = gtdNew
            (low, high) = bracketF[0] <= bracketF[1] ? (0, 1) : (1, 0)
        } else {
            if abs(gtdNew) <= -c2 * gtd {
                done = true
            } else if gtdNew * (bracket[high] - bracket[low]) >= 0 {
                bracket[high] = bracket[low]; bracketF[high] = bracketF[low]
                bracketG[high] = bracketG[low]; bracketGtd[high] = bracketGtd[low]
            }
            bracket[low] = t; bracketF[low] = fNew; bracketG[low] = gNew; bracketGtd[low] = gtdNew
        }
    }
    return (bracketF[low], bracketG[low], bracket[low], evaluations)
}
