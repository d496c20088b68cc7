import ArgumentParser

/// The options of the adversarial tasks, `gan` and `cyclegan` (`nil`: not given; the task's
/// default applies). Each belongs to one task, and giving it to another is an error
/// (``rejectOptions(notFor:)``).
public struct AdversarialSettings: ParsableArguments, Sendable {
    @OptionGroup public var gan: GANSettings
    @OptionGroup public var cycleGAN: CycleGANSettings

    public init() {}

    /// Throws for the first option given that belongs to another task than `task`.
    public func rejectOptions(notFor task: String) throws {
        let owners = [("gan", gan.givenOptionKeys), ("cyclegan", cycleGAN.givenOptionKeys)]
        for (owner, given) in owners where owner != task {
            if let option = given.first {
                throw TaskError("--\(option) applies to the \(owner) task only, not to \(task)")
            }
        }
    }
}
