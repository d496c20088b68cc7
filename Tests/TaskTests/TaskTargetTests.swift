import Testing
import DDPTasks

@Test func tasksSeeTheWholeLibrary() throws {
    let model = Linear(2, 3)
    #expect(model.parameterCount == 9)
}
