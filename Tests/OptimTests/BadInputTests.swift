import DDPOptim
import DDPTensor
import Foundation
import Testing

/// Bad input is a thrown `OptimizerError` whose one-line message says what is wrong.
@Suite struct BadInputTests {
    let w = Tensor([1, 2, 3], requiresGrad: true)
    let b = Tensor([0.5], requiresGrad: true)

    func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch let error as OptimizerError {
            return error.message
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func unknownHyperParameter() {
        let text = message { _ = try Adam([ParamGroup([w], options: ["betaz": [0.9, 0.99]])]) }
        #expect(text.contains("unknown hyper-parameter 'betaz'") && text.contains("betas"), "\(text)")
        #expect(!text.contains("\n"))
    }

    @Test func negativeLearningRate() {
        #expect(message { _ = try SGD([w], lr: -0.1) }.contains("invalid learning rate -0.1"))
        #expect(message { _ = try Adam([ParamGroup([w], options: ["lr": -1])]) }.contains("invalid learning rate"))
    }

    @Test func outOfRangeHyperParameters() {
        #expect(message { _ = try Adam([w], betas: (0.9, 1.0)) }.contains("beta parameter at index 1"))
        #expect(message { _ = try Adam([w], eps: -1) }.contains("invalid epsilon"))
        #expect(message { _ = try SGD([w], lr: 0.1, momentum: -0.5) }.contains("invalid momentum"))
        #expect(message { _ = try SGD([w], lr: 0.1, nesterov: true) }.contains("nesterov"))
        #expect(message { _ = try SGD([w], lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true) }.contains("dampening"))
        #expect(message { _ = try RMSprop([w], alpha: -0.1) }.contains("invalid alpha"))
        #expect(message { _ = try LBFGS([w], lineSearchFn: "backtracking") }.contains("line_search_fn"))
        #expect(message { _ = try SGD([Tensor]()) }.contains("empty parameter list"))
    }

    @Test func parameterInTwoGroups() throws {
        #expect(message { _ = try SGD([ParamGroup([w]), ParamGroup([b, w])], lr: 0.1) }.contains("more than one param group"))
        let optimizer = try SGD([w], lr: 0.1)
        #expect(message { try optimizer.addParamGroup(ParamGroup([w])) }.contains("more than one param group"))
        try optimizer.addParamGroup(ParamGroup([b], options: ["lr": 0.01]))
        #expect(optimizer.paramGroups.count == 2 && optimizer.paramGroups[1].momentum == 0)
    }

    @Test func schedulerStateDictFromAnotherType() throws {
        let optimizer = try SGD([w], lr: 0.1)
        let step = try StepLR(optimizer, stepSize: 2)
        let exponential = try ExponentialLR(optimizer, gamma: 0.9)
        let text = message { try exponential.load(stateDict: step.stateDict()) }
        #expect(text.contains("cannot load a StepLR state dict into ExponentialLR"), "\(text)")
        let plateau = try ReduceLROnPlateau(optimizer)
        #expect(message { try plateau.load(stateDict: step.stateDict()) }.contains("cannot load a StepLR"))
    }

    @Test func optimizerStateDictFromAnotherTypeOrModel() throws {
        let adam = try Adam([w])
        w.grad = Tensor([1, 1, 1])
        try adam.step()
        #expect(message { try SGD([w], lr: 0.1).load(stateDict: adam.stateDict()) }.contains("cannot load a Adam state dict into SGD"))
        let other = Tensor([1, 2], requiresGrad: true)
        #expect(message { try Adam([other]).load(stateDict: adam.stateDict()) }.contains("has shape [3] but parameter 0 has shape [2]"))
        #expect(message { try Adam([ParamGroup([w]), ParamGroup([b])]).load(stateDict: adam.stateDict()) }.contains("param groups"))
    }

    @Test func misuseOfSchedulersAndLBFGS() throws {
        let optimizer = try SGD([w], lr: 0.1, momentum: 0.9)
        #expect(message { try ReduceLROnPlateau(optimizer).step() }.contains("step(metric:)"))
        #expect(message { _ = try ReduceLROnPlateau(optimizer, factor: 1.0) }.contains("factor"))
        let oneCycle = try OneCycleLR(optimizer, maxLR: [0.1], totalSteps: 3)
        for _ in 0..<3 { try oneCycle.step() }
        #expect(message { try oneCycle.step() }.contains("total steps is 3"))
        #expect(message { _ = try CyclicLR(try Adagrad([b]), baseLR: [0.01], maxLR: [0.1]) }.contains("cycleMomentum: false"))
        #expect(message { try LBFGS([w]).step() }.contains("closure"))
    }
}

@Suite struct OptionsChangedInPlaceTests {
    /// A hook that sets a wrong value between steps gets an error at the next step, not a crash.
    @Test func badValueSetBetweenStepsIsAnError() throws {
        let w = Tensor([1, 2], requiresGrad: true)
        let optimizer = try SGD([w], lr: 0.1, momentum: 0.9)
        w.grad = Tensor([1, 1])
        try optimizer.step()
        optimizer.paramGroups[0]["momentum"] = "high"
        #expect(throws: OptimizerError("SGD: hyper-parameter 'momentum' is text(\"high\"), but it takes a value like its default number(0.9): set it to that kind of value")) {
            try optimizer.step()
        }
        optimizer.paramGroups[0]["momentum"] = 0.5
        optimizer.paramGroups[0].lr = -1
        #expect(throws: OptimizerError("SGD: invalid learning rate -1.0: use lr >= 0")) { try optimizer.step() }
        optimizer.paramGroups[0].lr = 0.05
        try optimizer.step()
        #expect(w.scalars != [1, 2])
    }
}
