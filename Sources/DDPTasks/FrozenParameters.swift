/// Runs `body` with `modules`' parameters not requiring gradients (restored afterwards):
/// a loss that only one player should learn from leaves the other's gradients untouched.
func withFrozenParameters<Result>(of modules: [Module], _ body: () throws -> Result) rethrows -> Result {
    let parameters = modules.flatMap { $0.parameters() }
    let previous = parameters.map(\.requiresGrad)
    for parameter in parameters { parameter.requiresGrad = false }
    defer { for (parameter, required) in zip(parameters, previous) { parameter.requiresGrad = required } }
    return try body()
}
