#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether operations record the autograd graph on the current thread.
///
/// Recording is on by default. Turn it off for inference, validation and parameter
/// updates with ``noGrad(_:)``.
public enum GradMode {
    // A thread-local flag: ranks simulated on threads each keep their own mode.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// `true` when new operations record how to differentiate them.
    public static var isEnabled: Bool {
        get { pthread_getspecific(key) == nil }
        // A non-nil value marks "disabled", so a thread starts out enabled.
        set { pthread_setspecific(key, newValue ? nil : UnsafeRawPointer(bitPattern: 1)) }
    }
}

/// Runs `body` without recording the autograd graph, then restores the previous mode.
///
///     let accuracy = noGrad { evaluate(model, on: validation) }
@discardableResult
public func noGrad<Result>(_ body: () throws -> Result) rethrows -> Result {
    let previous = GradMode.isEnabled
    GradMode.isEnabled = false
    defer { GradMode.isEnabled = previous }
    return try body()
}

/// Runs `body` with recording on, even inside ``noGrad(_:)`` (as `torch.enable_grad`).
@discardableResult
public func enableGrad<Result>(_ body: () throws -> Result) rethrows -> Result {
    let previous = GradMode.isEnabled
    GradMode.isEnabled = true
    defer { GradMode.isEnabled = previous }
    return try body()
}
