import DDPTensor

/// Limited-memory BFGS (Liu & Nocedal, 1989, "On the limited memory BFGS method for large
/// scale optimization"; Nocedal & Wright, algorithm 7.4), ported from `torch.optim.LBFGS`.
///
/// Each `step(closure:)` runs up to `max_iter` iterations, calling the closure (which must
/// zero the gradients, compute the loss, run backward and return the loss) once per
/// iteration or several times per line search. The direction comes from the two-loop
/// recursion over the last `history_size` curvature pairs; the step is `lr` (first
/// iteration: `min(1, 1/‖g‖₁)·lr`) or, with `line_search_fn: "strong_wolfe"`, a strong
/// Wolfe line search. The flat gradient, history and all scalar arithmetic are kept in
/// Double; parameters stay Float32.
///
/// Options: `lr` (1), `max_iter` (20), `max_eval` (max_iter·5/4), `tolerance_grad` (1e-7),
/// `tolerance_change` (1e-9), `history_size` (100), `line_search_fn` (none or
/// "strong_wolfe"). One param group only. State (on the first parameter): `func_evals`,
/// `n_iter`, `d`, `t`, `old_dirs`, `old_stps`, `ro`, `H_diag`, `prev_flat_grad`, `prev_loss`.
public final class LBFGS: Optimizer {
    /// LBFGS's hyper-parameters; the initialiser's defaults are torch's.
    public struct Options: OptimizerOptions {
        public var lr: Double
        public var maxIter: Int
        /// The most closure evaluations per step; by default `maxIter·5/4`, as torch.
        public var maxEval: Int
        public var toleranceGrad: Double
        public var toleranceChange: Double
        public var historySize: Int
        /// `nil` (no line search: a fixed step) or `"strong_wolfe"`.
        public var lineSearchFn: String?

        public init(lr: Double = 1, maxIter: Int = 20, maxEval: Int? = nil, toleranceGrad: Double = 1e-7,
                    toleranceChange: Double = 1e-9, historySize: Int = 100, lineSearchFn: String? = nil) {
            self.lr = lr
            self.maxIter = maxIter
            self.maxEval = maxEval ?? maxIter * 5 / 4
            self.toleranceGrad = toleranceGrad
            self.toleranceChange = toleranceChange
            self.historySize = historySize
            self.lineSearchFn = lineSearchFn
        }

        public init(_ group: ParamGroup) {
            self.init(lr: group.lr, maxIter: Int(group.number("max_iter")), maxEval: Int(group.number("max_eval")),
                      toleranceGrad: group.number("tolerance_grad"), toleranceChange: group.number("tolerance_change"),
                      historySize: Int(group.number("history_size")), lineSearchFn: group["line_search_fn"]?.stringValue)
        }

        public var hyperParameters: [String: HyperParameter] {
            ["lr": .number(lr), "max_iter": .number(Double(maxIter)), "max_eval": .number(Double(maxEval)),
             "tolerance_grad": .number(toleranceGrad), "tolerance_change": .number(toleranceChange),
             "history_size": .number(Double(historySize)), "line_search_fn": lineSearchFn.map { .text($0) } ?? .null]
        }
    }

    public var storage: OptimizerStorage

    public init<P: ParameterGroupConvertible>(_ parameters: [P], options: Options) throws {
        storage = OptimizerStorage(defaults: options)
        let groups = P.paramGroups(from: parameters)
        try OptimizerError.require(groups.count == 1,
            "LBFGS doesn't support per-parameter options (parameter groups): pass one list of parameters")
        try addInitialGroups(groups)
    }

    public convenience init<P: ParameterGroupConvertible>(
        _ parameters: [P], lr: Double = 1, maxIter: Int = 20, maxEval: Int? = nil, toleranceGrad: Double = 1e-7,
        toleranceChange: Double = 1e-9, historySize: Int = 100, lineSearchFn: String? = nil
    ) throws {
        try self.init(parameters, options: Options(lr: lr, maxIter: maxIter, maxEval: maxEval,
                                                   toleranceGrad: toleranceGrad, toleranceChange: toleranceChange,
                                                   historySize: historySize, lineSearchFn: lineSearchFn))
    }

    public func validate(_ options: [String: HyperParameter]) throws {
        try validateLearningRate(options)
        let group = ParamGroup([], options: options)
        // Checked as numbers: a fractional value must be reported, not truncated by `Options`.
        for name in ["max_iter", "max_eval", "history_size"] {
            let value = group.number(name)
            try OptimizerError.require(value >= 1 && value == value.rounded(), "LBFGS: invalid \(name) \(value): use a whole number >= 1")
        }
        for name in ["tolerance_grad", "tolerance_change"] {
            try OptimizerError.require(group.number(name) >= 0, "LBFGS: invalid \(name) \(group.number(name)): use a value >= 0")
        }
        switch options["line_search_fn"] {
        case .null?, .text("strong_wolfe")?: break
        default:
            throw OptimizerError("LBFGS: unknown line_search_fn \(String(describing: options["line_search_fn"])): use none or \"strong_wolfe\"")
        }
    }

    public func addParamGroup(_ group: ParamGroup) throws {
        try OptimizerError.require(paramGroups.isEmpty,
            "LBFGS doesn't support per-parameter options (parameter groups): pass one list of parameters")
        try appendGroup(group)
    }

    public func update(_ parameter: Tensor, gradient: Tensor, state: inout ParameterState, group: ParamGroup) throws {
        throw OptimizerError("LBFGS updates all parameters together: call step(closure:)")
    }

    private var parameters: [Tensor] { paramGroups[0].params }

    /// One LBFGS step over the Float32 parameters: `closure` must zero the gradients,
    /// compute the loss, run backward and return the loss, which this returns.
    @discardableResult
    public func step(closure: (() throws -> Float)?) throws -> Float? {
        guard let closure else {
            throw OptimizerError("LBFGS needs a closure that recomputes the loss: call step(closure:)")
        }
        var firstLoss: Float = 0
        let point = TensorPoint(parameters: parameters) {
            let loss = try enableGrad { try closure() }
            return Double(loss)
        }
        _ = try step(on: point, firstLoss: &firstLoss)
        return firstLoss
    }

    /// One LBFGS step that moves `point`, a flat Double vector with its own objective, in
    /// place of the parameters: the same iterations in full Double precision (for
    /// objectives computed in Double). The state is kept as for `step(closure:)`.
    /// Returns the loss at the start of the step.
    @discardableResult
    public func step(on point: some LBFGSPoint) throws -> Double {
        var unused: Float = 0
        return try step(on: point, firstLoss: &unused)
    }

    private func step(on point: some LBFGSPoint, firstLoss: inout Float) throws -> Double {
        try checkOptions(paramGroups[0].options)
        let options = Options(paramGroups[0])
        let lr = options.lr, maxIter = options.maxIter, maxEval = options.maxEval
        let toleranceGrad = options.toleranceGrad, toleranceChange = options.toleranceChange
        let historySize = options.historySize
        let strongWolfeSearch = options.lineSearchFn == "strong_wolfe"
        func maxAbs(_ v: [Double]) -> Double { v.reduce(0) { max($0, abs($1)) } }

        var memory = LBFGSMemory(storage.state[ObjectIdentifier(parameters[0])] ?? ParameterState())
        defer { storage.state[ObjectIdentifier(parameters[0])] = memory.state }
        let (originalLoss, firstGradient) = try point.evaluate()
        firstLoss = Float(originalLoss)
        var loss = originalLoss, flatGrad = firstGradient
        var currentEvaluations = 1
        memory.functionEvaluations += 1
        if maxAbs(flatGrad) <= toleranceGrad { return originalLoss }

        try noGrad {
            var iteration = 0
            while iteration < maxIter {
                iteration += 1
                memory.iterations += 1
                if memory.iterations == 1 {
                    memory.d = flatGrad.map { -$0 }
                    memory.oldDirs = []; memory.oldSteps = []; memory.ro = []
                    memory.hDiag = 1
                } else {
                    memory.updateDirection(flatGrad: flatGrad, historySize: historySize)
                }
                memory.prevFlatGrad = flatGrad
                memory.prevLoss = loss
                // The first step is scaled down: there is no curvature estimate yet.
                if memory.iterations == 1 {
                    memory.t = min(1, 1 / flatGrad.reduce(0) { $0 + abs($1) }) * lr
                } else {
                    memory.t = lr
                }
                var gtd = 0.0
                for i in flatGrad.indices { gtd += flatGrad[i] * memory.d[i] }
                if gtd > -toleranceChange { break }

                var lineSearchEvaluations = 0
                var optimal = false
                if strongWolfeSearch {
                    let start = point.saved()
                    let d = memory.d
                    let result = try strongWolfe({ t in
                        point.add(t, d)
                        let evaluation = try point.evaluate()
                        point.restore(start)
                        return evaluation
                    }, t: memory.t, d: d, f: loss, g: flatGrad, gtd: gtd)
                    loss = result.loss; flatGrad = result.gradient; memory.t = result.t
                    lineSearchEvaluations = result.evaluations
                    point.add(memory.t, memory.d)
                    optimal = maxAbs(flatGrad) <= toleranceGrad
                } else {
                    point.add(memory.t, memory.d)
                    if iteration != maxIter {
                        (loss, flatGrad) = try point.evaluate()
                        optimal = maxAbs(flatGrad) <= toleranceGrad
                        lineSearchEvaluations = 1
                    }
                }
                currentEvaluations += lineSearchEvaluations
                memory.functionEvaluations += Double(lineSearchEvaluations)

                if iteration == maxIter || currentEvaluations >= maxEval || optimal { break }
                if memory.d.reduce(0, { max($0, abs($1 * memory.t)) }) <= toleranceChange { break }
                if abs(loss - memory.prevLoss) < toleranceChange { break }
            }
        }
        return originalLoss
    }
}

/// A point LBFGS can move: a flat vector in Double with an objective.
public protocol LBFGSPoint {
    associatedtype Snapshot
    /// The objective and its flat gradient at the current point.
    func evaluate() throws -> (loss: Double, gradient: [Double])
    /// Moves the point by t·d.
    func add(_ t: Double, _ d: [Double])
    /// A copy of the current point, for `restore`.
    func saved() -> Snapshot
    func restore(_ snapshot: Snapshot)
}

/// Float32 parameters seen as one flat vector; the gradient is gathered into Double.
struct TensorPoint: LBFGSPoint {
    let parameters: [Tensor]
    let loss: () throws -> Double

    func evaluate() throws -> (loss: Double, gradient: [Double]) {
        let value = try loss()
        var flat: [Double] = []
        flat.reserveCapacity(parameters.reduce(0) { $0 + $1.count })
        for p in parameters {
            if let g = p.grad {
                for i in 0..<p.count { flat.append(Double(g.data[i])) }
            } else {
                flat.append(contentsOf: repeatElement(0, count: p.count))  // no gradient: zeros, as torch
            }
        }
        return (value, flat)
    }

    func add(_ t: Double, _ d: [Double]) {
        var offset = 0
        for p in parameters {
            for i in 0..<p.count { p.data[i] = Float(Double(p.data[i]) + t * d[offset + i]) }
            offset += p.count
        }
    }

    func saved() -> [Tensor] { parameters.map { $0.copy() } }

    func restore(_ snapshot: [Tensor]) {
        for (p, saved) in zip(parameters, snapshot) { p.assign(saved) }
    }
}

/// LBFGS's state between steps, read from and written to the first parameter's state.
struct LBFGSMemory {
    var functionEvaluations = 0.0
    var iterations = 0.0
    var d: [Double] = []
    var t = 0.0
    var oldDirs: [[Double]] = []
    var oldSteps: [[Double]] = []
    var ro: [Double] = []
    var hDiag = 1.0
    var prevFlatGrad: [Double] = []
    var prevLoss = 0.0

    init(_ state: ParameterState) {
        functionEvaluations = state.number("func_evals") ?? 0
        iterations = state.number("n_iter") ?? 0
        t = state.number("t") ?? 0
        hDiag = state.number("H_diag") ?? 1
        prevLoss = state.number("prev_loss") ?? 0
        if case .doubles(let values, _)? = state["d"] { d = values }
        if case .doubles(let values, _)? = state["prev_flat_grad"] { prevFlatGrad = values }
        if case .doubles(let values, _)? = state["ro"] { ro = values }
        oldDirs = Self.rows(state["old_dirs"])
        oldSteps = Self.rows(state["old_stps"])
    }

    private static func rows(_ value: StateValue?) -> [[Double]] {
        guard case .doubles(let values, let shape)? = value, shape.count == 2, shape[1] > 0 else { return [] }
        return (0..<shape[0]).map { Array(values[($0 * shape[1])..<(($0 + 1) * shape[1])]) }
    }

    var state: ParameterState {
        var state = ParameterState(["func_evals": .number(functionEvaluations), "n_iter": .number(iterations)])
        guard !d.isEmpty else { return state }
        state["d"] = .doubles(d, shape: [d.count])
        state["t"] = .number(t)
        state["old_dirs"] = .doubles(oldDirs.flatMap { $0 }, shape: [oldDirs.count, d.count])
        state["old_stps"] = .doubles(oldSteps.flatMap { $0 }, shape: [oldSteps.count, d.count])
        state["ro"] = .doubles(ro, shape: [ro.count])
        state["H_diag"] = .number(hDiag)
        state["prev_flat_grad"] = .doubles(prevFlatGrad, shape: [prevFlatGrad.count])
        state["prev_loss"] = .number(prevLoss)
        return state
    }

    /// Adds the newest curvature pair (when ys > 1e-10) and sets `d` by the two-loop recursion.
    mutating func updateDirection(flatGrad: [Double], historySize: Int) {
        let n = flatGrad.count
        var y = [Double](repeating: 0, count: n), s = [Double](repeating: 0, count: n)
        var ys = 0.0
        for i in 0..<n {
            y[i] = flatGrad[i] - prevFlatGrad[i]
            s[i] = d[i] * t
            ys += y[i] * s[i]
        }
        if ys > 1e-10 {
            if oldDirs.count == historySize {
                oldDirs.removeFirst(); oldSteps.removeFirst(); ro.removeFirst()
            }
            oldDirs.append(y); oldSteps.append(s); ro.append(1 / ys)
            hDiag = ys / y.reduce(0) { $0 + $1 * $1 }
        }
        var alpha = [Double](repeating: 0, count: oldDirs.count)
        var q = flatGrad.map { -$0 }
        for k in stride(from: oldDirs.count - 1, through: 0, by: -1) {
            var dotSQ = 0.0
            for i in 0..<n { dotSQ += oldSteps[k][i] * q[i] }
            alpha[k] = dotSQ * ro[k]
            for i in 0..<n { q[i] += -alpha[k] * oldDirs[k][i] }
        }
        var r = q.map { $0 * hDiag }
        for k in 0..<oldDirs.count {
            var dotYR = 0.0
            for i in 0..<n { dotYR += oldDirs[k][i] * r[i] }
            let beta = dotYR * ro[k]
            for i in 0..<n { r[i] += (alpha[k] - beta) * oldSteps[k][i] }
        }
        d = r
    }
}
