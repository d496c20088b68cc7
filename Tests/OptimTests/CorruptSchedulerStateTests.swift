import DDPOptim
import DDPTensor
import Testing

/// Counts in a scheduler's saved state come from a checkpoint's header: one that is not a
/// whole number (`nan`, `1e300`) is an error, where `Int(value)` trapped.
@Suite struct CorruptSchedulerStateTests {
    @Test(arguments: [Double.nan, .infinity, 1e300, 2.5])
    func aCountThatIsNotAWholeNumberIsAnError(value: Double) throws {
        let w = Tensor([1, 2, 3], requiresGrad: true)
        let optimizer = try SGD([w], lr: 0.1)
        let plateau = try ReduceLROnPlateau(optimizer)
        var state = plateau.stateDict()
        state.values["num_bad_epochs"] = .number(value)
        #expect(throws: OptimizerError.self) { try plateau.load(stateDict: state) }
        let step = try StepLR(optimizer, stepSize: 2)
        var stepState = step.stateDict()
        stepState.values["last_epoch"] = .number(value)
        #expect(throws: OptimizerError.self) { try step.load(stateDict: stepState) }
    }
}
